import { basename } from 'node:path';
import type { GuardrailSeverity } from '../catalog/model.js';
import type { ComplianceReport, Finding } from '../compliance/model.js';
import { LIVE_SOURCES } from '../evidence/live/model.js';

const LEVEL: Record<GuardrailSeverity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};
const SECURITY_SEVERITY: Record<GuardrailSeverity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
};

const ruleKey = (layer: string, ruleId: string): string => `${layer}/${ruleId}`;
const baseRuleId = (ruleId: string): string => ruleId.replace(/\[.*\]$/, '');

/** A template synthesized outside the repository (a temp dir) is named by its file name: SARIF URIs stay repository-relative. */
const repositoryUri = (file: string): string =>
  file.startsWith('../') || file.startsWith('/') ? basename(file) : file;

/** Where code scanning should point: the source line that created the resource, else the template. */
const location = (f: Finding) => ({
  physicalLocation: {
    artifactLocation: { uri: f.source?.file ?? repositoryUri(f.file), uriBaseId: '%SRCROOT%' },
    ...(f.source ? { region: { startLine: f.source.line, startColumn: f.source.column } } : {}),
  },
  logicalLocations: [{ fullyQualifiedName: f.constructPath, kind: 'resource' }],
});

/**
 * report.sarif: SARIF 2.1.0 for GitHub code scanning. Every evaluated rule is
 * in the driver's rules list; each finding points at the repository file
 * (the construct's source line, else the template); acknowledged findings
 * carry an in-source suppression with the written reason.
 */
export const renderSarif = (report: ComplianceReport): string => {
  const severityByRule = new Map(report.findings.map((f) => [ruleKey(f.layer, baseRuleId(f.ruleId)), f.severity]));
  const rules = report.rules.map((r) => {
    const severity = severityByRule.get(ruleKey(r.layer, r.ruleId));
    const guardrails = report.guardrails.filter((g) => r.guardrails.includes(g.id));
    const worst = severity ?? guardrails[0]?.severity ?? 'medium';
    return {
      id: ruleKey(r.layer, r.ruleId),
      name: r.ruleId,
      shortDescription: { text: r.description.slice(0, 1000) || r.ruleId },
      fullDescription: {
        text: `${r.description} Guardrails: ${r.guardrails.join(', ')}. Acknowledge with acknowledge(scope, ['${r.acknowledgementId}'], reason) (src/common/acknowledge.ts).`,
      },
      defaultConfiguration: { level: LEVEL[worst] },
      properties: {
        tags: ['security', 'compliance', r.layer, ...r.guardrails],
        'security-severity': SECURITY_SEVERITY[worst],
        source: r.source,
        ...(r.controlId ? { controlId: r.controlId } : {}),
      },
    };
  });
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = report.findings.map((f) => {
    const id = ruleKey(f.layer, baseRuleId(f.ruleId));
    return {
      ruleId: id,
      ruleIndex: index.get(id) ?? 0,
      level: LEVEL[f.severity],
      message: {
        text: `${f.message}${f.fix ? ` Fix: ${f.fix}` : ''} (${f.ruleId} on ${f.constructPath} in ${f.stack}; guardrails: ${f.guardrails.join(', ')})${f.acknowledgementProblem ? ` Note: ${f.acknowledgementProblem}` : ''}`,
      },
      locations: [location(f)],
      partialFingerprints: { panopsFinding: `${f.stack}|${f.constructPath}|${f.ruleId}` },
      ...(f.acknowledgement
        ? {
            suppressions: [
              {
                kind: 'inSource',
                status: 'accepted',
                justification: `${f.acknowledgement.reason} (acknowledged on ${f.acknowledgement.at})`,
              },
            ],
          }
        : {}),
    };
  });
  // Live disagreements: one rule per source, one result per check that did not agree.
  const liveProblems = (report.live?.checks ?? []).filter((c) => c.status !== 'agrees');
  for (const source of new Set(liveProblems.map((c) => c.source))) {
    const id = `live/${source}`;
    index.set(id, rules.length);
    rules.push({
      id,
      name: id,
      shortDescription: { text: `${LIVE_SOURCES[source]}: the deployed organization differs from synth` },
      fullDescription: {
        text: `${LIVE_SOURCES[source]}, read from the live organization by \`npx projen compliance -- --live\`, does not show what the synthesized templates promise (or could not be read).`,
      },
      defaultConfiguration: { level: 'error' },
      properties: {
        tags: ['security', 'compliance', 'live', source],
        'security-severity': SECURITY_SEVERITY.high,
        source,
      },
    });
  }
  const liveResults = liveProblems.map((c) => ({
    ruleId: `live/${c.source}`,
    ruleIndex: index.get(`live/${c.source}`) ?? 0,
    level: 'error' as const,
    message: {
      text: `${c.status === 'disagrees' ? 'Synth and live disagree' : 'Live state not read'}: ${c.subject} in ${c.account} ${c.region}: synth ${c.synth}; live ${c.live}${c.guardrails.length ? ` (guardrails: ${c.guardrails.join(', ')})` : ''}`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: {
            uri: repositoryUri(
              report.stacks.find((s) => s.stack === c.stack)?.template ?? 'policies/control-tower/controls.json',
            ),
            uriBaseId: '%SRCROOT%',
          },
        },
        logicalLocations: [{ fullyQualifiedName: `${c.account}/${c.region}/${c.subject}`, kind: 'resource' }],
      },
    ],
    partialFingerprints: { panopsLive: `${c.source}|${c.account}|${c.region}|${c.subject}` },
  }));
  // The deploy rehearsal's findings: one rule per check, each result on the template it names.
  const rehearsal = report.deployability;
  const rehearsalChecks = rehearsal?.checks ?? [];
  for (const c of rehearsalChecks) {
    index.set(`deployability/${c.check}`, rules.length);
    rules.push({
      id: `deployability/${c.check}`,
      name: c.check,
      shortDescription: { text: c.title },
      fullDescription: { text: `Deploy rehearsal (npx projen rehearse): ${c.title}.` },
      defaultConfiguration: { level: 'error' },
      properties: {
        tags: ['deployability', c.check],
        'security-severity': SECURITY_SEVERITY.high,
        source: 'rehearsal',
      },
    } as (typeof rules)[number]);
  }
  for (const f of rehearsalChecks.flatMap((c) => c.findings)) {
    const id = `deployability/${f.check}`;
    results.push({
      ruleId: id,
      ruleIndex: index.get(id) ?? 0,
      level: 'error',
      message: { text: `${f.message} Fix: ${f.fix} (${f.check} on ${f.resource} in ${f.template})` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: repositoryUri(f.template.replace(/#.*$/, '')), uriBaseId: '%SRCROOT%' },
          },
          logicalLocations: [{ fullyQualifiedName: f.resource, kind: 'resource' }],
        },
      ],
      partialFingerprints: { panopsFinding: `${f.template}|${f.resource}|${f.check}|${f.message}` },
    } as (typeof results)[number]);
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            semanticVersion: report.schemaVersion,
            informationUri: 'https://github.com/cdklabs/cdk-nag',
            rules,
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The repository root.' } } },
        results: [...results, ...liveResults],
        properties: { outcome: report.summary.outcome },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
};
