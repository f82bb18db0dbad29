import type { GuardTemplateResult } from '../guard/guard-output.js';
import type { GuardRuleFile } from '../guard/rule-files.js';
import { GUARD_PLUGIN_NAME } from '../guard/severity-enforcing-validator.js';
import type { GuardrailIndex } from './guardrail-index.js';
import type { StackInventory } from './inventory.js';
import type { RuleDefinition, StackEvaluation } from './rule-results.js';

/**
 * Turns cfn-guard's per-template verdicts into per-rule evaluations. A rule
 * that passed counts the resources of the types it reports on (at least the
 * template itself); a skipped rule counts nothing (not applicable).
 */
export const guardEvaluations = (
  results: readonly GuardTemplateResult[],
  stacks: readonly StackInventory[],
  ruleFiles: readonly GuardRuleFile[],
  guardrails: GuardrailIndex,
): { rule: RuleDefinition; evaluations: StackEvaluation[] }[] => {
  const byTemplate = new Map(results.map((r) => [r.template, r]));
  return ruleFiles.flatMap((file) =>
    file.ruleNames.map((ruleName) => {
      const mapped = guardrails.forRule(ruleName);
      const rule: RuleDefinition = {
        layer: 'guard',
        ruleId: ruleName,
        namespace: GUARD_PLUGIN_NAME,
        source: file.fileName,
        ...(file.controlId ? { controlId: file.controlId } : {}),
        description: file.title,
        guardrails: mapped.ids,
        severity: mapped.severity,
      };
      const evaluations = stacks.map((inv): StackEvaluation => {
        const result = byTemplate.get(inv.templateFile);
        const status = result?.statuses.get(ruleName) ?? 'SKIP';
        if (status === 'SKIP') return { stack: inv.path, evaluated: 0, findings: [] };
        const typed = [...inv.resourceTypes.values()].filter((t) => file.resourceTypes.includes(t)).length;
        const failures = status === 'FAIL' ? (result?.failures.get(ruleName) ?? []) : [];
        return {
          stack: inv.path,
          evaluated: Math.max(1, typed),
          findings: failures.map((failure) => {
            const constructPath = (failure.logicalId && inv.constructPaths.get(failure.logicalId)) || inv.path;
            const source = inv.sources.get(constructPath);
            return {
              constructPath,
              ...(failure.logicalId ? { logicalId: failure.logicalId } : {}),
              message: failure.message,
              ...(failure.fix ? { fix: failure.fix } : {}),
              file: inv.template,
              ...(source ? { source } : {}),
            };
          }),
        };
      });
      return { rule, evaluations };
    }),
  );
};
