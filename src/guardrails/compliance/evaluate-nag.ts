import type { NagEvaluationLog } from '../nag/evaluation-log.js';
import type { GuardrailIndex } from './guardrail-index.js';
import type { StackInventory } from './inventory.js';
import type { RuleDefinition, StackEvaluation } from './rule-results.js';

/** Turns the nag evaluation log into one definition and per-stack evaluations per rule. */
export const nagEvaluations = (
  log: NagEvaluationLog,
  stacks: readonly StackInventory[],
  guardrails: GuardrailIndex,
): { rule: RuleDefinition; evaluations: StackEvaluation[] }[] => {
  const rules = new Map<string, { rule: RuleDefinition; evaluations: StackEvaluation[] }>();
  for (const inv of stacks) {
    for (const tally of log.stack(inv.path)) {
      let entry = rules.get(tally.ruleId);
      if (!entry) {
        const mapped = guardrails.forRule(tally.ruleId);
        entry = {
          rule: {
            layer: 'nag',
            ruleId: tally.ruleId,
            namespace: tally.pack.replaceAll(' ', '-'),
            source: tally.pack,
            description: tally.info,
            guardrails: mapped.ids,
            severity: mapped.severity,
          },
          evaluations: [],
        };
        rules.set(tally.ruleId, entry);
      }
      const nonCompliantResources = new Set(tally.nonCompliant.map((n) => n.constructPath)).size;
      entry.evaluations.push({
        stack: inv.path,
        evaluated: tally.compliant + nonCompliantResources,
        findings: tally.nonCompliant.map((n) => {
          const source = inv.sources.get(n.constructPath);
          return {
            constructPath: n.constructPath,
            logicalId: n.logicalId,
            ...(n.finding ? { finding: n.finding } : {}),
            message: n.error ? `${tally.info} (the rule could not evaluate the resource: ${n.error})` : tally.info,
            file: inv.template,
            ...(source ? { source } : {}),
          };
        }),
      });
    }
  }
  return [...rules.values()];
};
