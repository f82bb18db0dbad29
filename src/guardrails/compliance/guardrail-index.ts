import type { Guardrail, GuardrailSeverity } from '../catalog/model.js';
import type { EnabledControl, GuardRuleFile } from '../guard/rule-files.js';

/** Rules that no guardrail names still run and still fail the build; the report groups them under this id. */
export const BASELINE_GUARDRAIL_ID = 'baseline-packs';

/** Which guardrails a rule id serves, and the severity of its most severe one. */
export class GuardrailIndex {
  private readonly byRule = new Map<string, Guardrail[]>();

  constructor(
    readonly catalog: readonly Guardrail[],
    controls: readonly EnabledControl[],
    guardRules: readonly GuardRuleFile[],
  ) {
    const add = (ruleId: string, guardrail: Guardrail) => {
      const list = this.byRule.get(ruleId) ?? [];
      if (!list.includes(guardrail)) list.push(guardrail);
      this.byRule.set(ruleId, list);
    };
    for (const guardrail of catalog) {
      for (const rule of [
        ...guardrail.layers.nag,
        ...guardrail.layers.guard,
        ...guardrail.layers.database.flatMap((check) => check.rules),
      ])
        add(rule, guardrail);
      for (const controlId of guardrail.layers.controlTower) {
        const control = controls.find((c) => c.id === controlId);
        const file = guardRules.find((r) => r.fileName === control?.guardRule);
        for (const name of file?.ruleNames ?? []) add(name, guardrail);
      }
    }
  }

  forRule(ruleId: string): { ids: readonly string[]; severity: GuardrailSeverity } {
    const guardrails = this.byRule.get(ruleId) ?? [];
    if (guardrails.length === 0) return { ids: [BASELINE_GUARDRAIL_ID], severity: 'medium' };
    const order: GuardrailSeverity[] = ['critical', 'high', 'medium', 'low'];
    const severity = order.find((s) => guardrails.some((g) => g.severity === s)) ?? 'medium';
    return { ids: guardrails.map((g) => g.id), severity };
  }
}
