import type { AcknowledgementIndex } from '../acknowledgements.js';
import { writtenId } from '../acknowledgements.js';
import type { GuardrailSeverity } from '../catalog/model.js';
import type { SourceLocation } from '../source-location.js';
import type { Counts, Finding, Layer, RuleResult, StackRuleResult } from './model.js';

/** A rule's violation before acknowledgements are applied. */
export interface RawFinding {
  readonly constructPath: string;
  readonly logicalId?: string;
  /** The finding id suffix for rules with several findings per resource (`Action::s3:*`). */
  readonly finding?: string;
  readonly message: string;
  readonly fix?: string;
  readonly file: string;
  readonly source?: SourceLocation;
}

/** What one rule saw in one stack. */
export interface StackEvaluation {
  readonly stack: string;
  /** Resources (or templates, tables) the rule checked. */
  readonly evaluated: number;
  readonly findings: readonly RawFinding[];
}

export interface RuleDefinition {
  readonly layer: Layer;
  readonly ruleId: string;
  /** The CDK validation plugin namespace: `AwsSolutions`, `cdk-validator-cfnguard`, `PanOps`. */
  readonly namespace: string;
  readonly source: string;
  readonly controlId?: string;
  readonly description: string;
  readonly guardrails: readonly string[];
  readonly severity: GuardrailSeverity;
}

export const emptyCounts = (): Counts => ({ evaluated: 0, passed: 0, failed: 0, acknowledged: 0, notApplicable: 0 });

export const addCounts = (into: Counts, from: Counts): Counts => {
  into.evaluated += from.evaluated;
  into.passed += from.passed;
  into.failed += from.failed;
  into.acknowledged += from.acknowledged;
  into.notApplicable += from.notApplicable;
  return into;
};

/**
 * Applies acknowledgements to one rule's findings (CDK's semantics: the
 * prefixed id on the construct or its closest ancestor) and tallies the rule
 * per stack. An acknowledgement without a reason does not count; a bare-id
 * acknowledgement is named on the finding so the author sees why.
 */
export const resolveRule = (
  rule: RuleDefinition,
  evaluations: readonly StackEvaluation[],
  acknowledgements: AcknowledgementIndex,
): { result: RuleResult; findings: Finding[] } => {
  const findings: Finding[] = [];
  const stacks: StackRuleResult[] = [];
  const totals = emptyCounts();
  for (const evaluation of evaluations) {
    let failed = 0;
    let acknowledged = 0;
    for (const raw of evaluation.findings) {
      const ruleWithFinding = raw.finding ? `${rule.ruleId}[${raw.finding}]` : rule.ruleId;
      const acknowledgementId = `${rule.namespace}::${ruleWithFinding}`;
      const ack = acknowledgements.covering(acknowledgementId, raw.constructPath);
      const bare = ack ? undefined : acknowledgements.bareCovering(ruleWithFinding, raw.constructPath);
      const valid = ack !== undefined && ack.reason.trim() !== '';
      const problem =
        ack && !valid
          ? `acknowledged at ${ack.constructPath} without a reason`
          : bare
            ? `acknowledged at ${bare.constructPath} with the bare id '${writtenId(bare.id)}', which hides the finding from CDK's report; use '${acknowledgementId}'`
            : undefined;
      if (valid) acknowledged++;
      else failed++;
      findings.push({
        status: valid ? 'acknowledged' : 'failed',
        layer: rule.layer,
        ruleId: ruleWithFinding,
        acknowledgementId,
        guardrails: rule.guardrails,
        severity: rule.severity,
        stack: evaluation.stack,
        constructPath: raw.constructPath,
        ...(raw.logicalId ? { logicalId: raw.logicalId } : {}),
        file: raw.file,
        ...(raw.source ? { source: raw.source } : {}),
        message: raw.message,
        ...(raw.fix ? { fix: raw.fix } : {}),
        ...(valid && ack
          ? {
              acknowledgement: {
                id: ack.id,
                reason: ack.reason,
                at: ack.constructPath,
                ...(ack.source ? { source: ack.source } : {}),
              },
            }
          : {}),
        ...(problem ? { acknowledgementProblem: problem } : {}),
      });
    }
    const evaluated = Math.max(evaluation.evaluated, failed + acknowledged);
    const counts: Counts = {
      evaluated,
      passed: Math.max(0, evaluated - failed - acknowledged),
      failed,
      acknowledged,
      notApplicable: evaluated === 0 ? 1 : 0,
    };
    addCounts(totals, counts);
    if (evaluated === 0) continue;
    const status = failed > 0 ? 'failed' : acknowledged > 0 ? 'acknowledged' : 'passed';
    stacks.push({ stack: evaluation.stack, status, ...counts });
  }
  const { severity: _severity, namespace, ...definition } = rule;
  return {
    result: { ...definition, acknowledgementId: `${namespace}::${rule.ruleId}`, totals, stacks },
    findings,
  };
};
