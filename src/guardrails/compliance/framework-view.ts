import { FRAMEWORK_GAPS, FRAMEWORKS, type FrameworkGap, type FrameworkRelation } from '../catalog/frameworks.js';
import type { Counts, GuardrailResult } from './model.js';

/** One guardrail under one control, with its evidence from this run. */
export interface ControlGuardrail {
  readonly guardrail: string;
  readonly relation: FrameworkRelation;
  readonly how: string;
  readonly status: GuardrailResult['status'];
  readonly totals: Counts;
}

/** One control of a framework: the guardrails serving it, and what is not covered. */
export interface FrameworkControlView {
  readonly control: string;
  readonly title: string;
  readonly guardrails: readonly ControlGuardrail[];
  /** Set when no guardrail covers the control, or covers only part of it. */
  readonly gap?: Pick<FrameworkGap, 'coverage' | 'note'>;
}

export interface FrameworkView {
  readonly id: string;
  readonly name: string;
  readonly edition: string;
  readonly controls: readonly FrameworkControlView[];
}

/**
 * The report's framework view: every framework, every control the catalog
 * refers to or states as a gap (in the framework's order), the guardrails
 * serving it with their outcome in this run, and the stated gaps. A control
 * nothing serves and no gap explains would be silent: the catalog test
 * forbids it.
 */
export const frameworkView = (guardrails: readonly GuardrailResult[]): FrameworkView[] =>
  FRAMEWORKS.map((framework) => ({
    id: framework.id,
    name: framework.name,
    edition: framework.edition,
    controls: Object.entries(framework.controls).map(([control, title]) => {
      const serving = guardrails.flatMap((g) =>
        g.frameworks
          .filter((r) => r.framework === framework.id && r.control === control)
          .map((r) => ({ guardrail: g.id, relation: r.relation, how: r.how, status: g.status, totals: g.totals })),
      );
      const gap = FRAMEWORK_GAPS.find((x) => x.framework === framework.id && x.control === control);
      return {
        control,
        title,
        guardrails: serving,
        ...(gap ? { gap: { coverage: gap.coverage, note: gap.note } } : {}),
      };
    }),
  }));
