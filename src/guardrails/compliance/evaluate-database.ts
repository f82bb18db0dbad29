import { DATABASE_RULE_IDS, DATABASE_RULES } from '../database/rules.js';
import type { GuardrailIndex } from './guardrail-index.js';
import type { DatabaseEvidence } from './model.js';
import type { RuleDefinition, StackEvaluation } from './rule-results.js';

/** The scope database rules are reported in (in place of a stack): the migrated schema. */
export const databaseScope = (evidence: DatabaseEvidence): string => `database: ${evidence.migrationsDir}`;

/**
 * One rule per database check, evaluated on the migrated schema: each table
 * or role checked counts once, each failed one is a finding (a database
 * finding cannot be acknowledged: fix the migration). A skipped run yields
 * no evaluations, so the guardrail shows as not evaluated.
 */
export const databaseEvaluations = (
  evidence: DatabaseEvidence,
  guardrails: GuardrailIndex,
): { rule: RuleDefinition; evaluations: StackEvaluation[] }[] => {
  if (evidence.status === 'skipped') return [];
  const scope = databaseScope(evidence);
  return DATABASE_RULE_IDS.map((ruleId) => {
    const mapped = guardrails.forRule(ruleId);
    const outcomes = evidence.outcomes.filter((o) => o.ruleId === ruleId);
    return {
      rule: {
        layer: 'database',
        ruleId,
        namespace: 'database',
        source: evidence.engine ?? 'PGlite',
        description: DATABASE_RULES[ruleId],
        guardrails: mapped.ids,
        severity: mapped.severity,
      },
      evaluations: [
        {
          stack: scope,
          evaluated: outcomes.length,
          findings: outcomes
            .filter((o) => o.status === 'failed')
            .map((o) => ({ constructPath: o.subject, message: o.detail, file: o.file })),
        },
      ],
    };
  });
};
