import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameworksOf } from '../catalog/framework-mappings.js';
import type { Guardrail } from '../catalog/model.js';
import type { EnabledControl, GuardRuleFile } from '../guard/rule-files.js';
import { SCP_DIR } from '../paths.js';
import { frameworkView } from './framework-view.js';
import { BASELINE_GUARDRAIL_ID } from './guardrail-index.js';
import type { ComplianceReport, GuardrailResult, LayerSummary } from './model.js';
import { REPORT_SCHEMA_VERSION } from './model.js';
import { addCounts, emptyCounts } from './rule-results.js';

/** The Sids of an SCP document in policies/scp, or undefined when the file does not exist. */
export const scpSids = (file: string, dir = SCP_DIR): readonly string[] | undefined => {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  const doc = JSON.parse(readFileSync(path, 'utf8')) as { Statement?: { Sid?: string }[] | { Sid?: string } };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.flatMap((s) => (s.Sid ? [s.Sid] : []));
};

const layersOf = (
  guardrail: Guardrail,
  controls: readonly EnabledControl[],
  guardRules: readonly GuardRuleFile[],
): LayerSummary => ({
  scp: guardrail.layers.scp.map((ref) => ({ ...ref, exists: scpSids(ref.file)?.includes(ref.sid) ?? false })),
  controlTower: guardrail.layers.controlTower.map((id) => {
    const control = controls.find((c) => c.id === id);
    const file = guardRules.find((r) => r.controlId === id);
    return {
      id,
      guardRule: control?.guardRule ?? '(not in controls.json)',
      title: file?.title ?? '',
      ous: control?.ous ?? [],
      // Every control of controls.json is enabled: its identifier recorded there or resolved at deploy.
      enabledAtDeploy: control !== undefined,
    };
  }),
  nag: guardrail.layers.nag,
  guard: guardrail.layers.guard,
  database: guardrail.layers.database,
});

const BASELINE: Guardrail = {
  id: BASELINE_GUARDRAIL_ID,
  title: 'Baseline: every other AwsSolutions, NIST 800-53 R5 and Control Tower rule',
  seedWords: ['Management Account (PanOps master) | AWS Control Tower — landing zone, guardrails, SCPs'],
  severity: 'medium',
  appliesTo: 'every account',
  layers: { scp: [], controlTower: [], nag: [], guard: [], database: [] },
};

/** What a run collected: the catalog and the layers' evidence, with the report fields it passes on as they are. */
export interface AssembleInput
  extends Pick<
    ComplianceReport,
    'stacks' | 'rules' | 'findings' | 'acknowledgements' | 'database' | 'generatedAt' | 'tool'
  > {
  readonly catalog: readonly Guardrail[];
  readonly controls: readonly EnabledControl[];
  readonly guardRules: readonly GuardRuleFile[];
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T): number =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/** Puts the report together: guardrail verdicts from their rules, everything in a stable order. */
export const assembleReport = (input: AssembleInput): ComplianceReport => {
  const guardrails: GuardrailResult[] = [...input.catalog, BASELINE].map((guardrail) => {
    const rules = input.rules.filter((r) => r.guardrails.includes(guardrail.id));
    const totals = rules.reduce((acc, r) => addCounts(acc, r.totals), emptyCounts());
    const status = totals.failed > 0 ? 'fail' : totals.evaluated > 0 ? 'pass' : 'not-evaluated';
    return {
      id: guardrail.id,
      title: guardrail.title,
      seedWords: guardrail.seedWords,
      severity: guardrail.severity,
      appliesTo: guardrail.appliesTo,
      status,
      layers: layersOf(guardrail, input.controls, input.guardRules),
      ...(guardrail.preventiveGap ? { preventiveGap: guardrail.preventiveGap } : {}),
      ...(guardrail.residualRisks ? { residualRisks: guardrail.residualRisks } : {}),
      totals,
      frameworks: frameworksOf(guardrail.id),
    };
  });
  const findings = [...input.findings].sort(
    byKey((f) => `${f.status === 'failed' ? 0 : 1}|${f.stack}|${f.ruleId}|${f.constructPath}`),
  );
  const rules = [...input.rules].sort(byKey((r) => `${r.layer}|${r.source}|${r.ruleId}`));
  const failedFindings = findings.filter((f) => f.status === 'failed').length;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: input.generatedAt,
    tool: input.tool,
    summary: {
      outcome: failedFindings > 0 ? 'fail' : 'pass',
      guardrails: {
        total: guardrails.length,
        passed: guardrails.filter((g) => g.status === 'pass').length,
        failed: guardrails.filter((g) => g.status === 'fail').length,
        notEvaluated: guardrails.filter((g) => g.status === 'not-evaluated').length,
      },
      stacks: input.stacks.length,
      rules: rules.length,
      failedFindings,
      acknowledgedFindings: findings.length - failedFindings,
    },
    guardrails,
    stacks: input.stacks,
    rules,
    findings,
    acknowledgements: [...input.acknowledgements].sort(byKey((a) => `${a.at}|${a.id}`)),
    database: input.database,
    frameworks: frameworkView(guardrails),
  };
};
