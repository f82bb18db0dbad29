import type { ComplianceReport } from '../../compliance/model.js';
import { type Block, type Cell, STATUS } from '../document.js';

export const frameworkAnchor = (framework: string): string => `framework-${framework}`;
export const guardrailAnchor = (guardrail: string): string => `guardrail-${guardrail}`;

const evidence = (g: ComplianceReport['frameworks'][number]['controls'][number]['guardrails'][number]): string =>
  `${STATUS[g.status]}: ${g.totals.evaluated} evaluated, ${g.totals.failed} failed, ${g.totals.acknowledged} acknowledged`;

/**
 * The framework view: for each framework, each control, the guardrails that
 * serve it (how, and their outcome in this run, linked to the guardrail's
 * detail) and, where no guardrail covers it or covers only part, what is
 * missing — said, not left out.
 */
export const frameworkBlocks = (report: ComplianceReport): Block[] => {
  if (report.frameworks.length === 0) return [];
  const summaryRows = report.frameworks.map((f): Cell[] => {
    const covered = f.controls.filter((c) => c.guardrails.length > 0 && c.gap?.coverage !== 'partial').length;
    const partial = f.controls.filter((c) => c.gap?.coverage === 'partial').length;
    const none = f.controls.filter((c) => c.guardrails.length === 0).length;
    return [{ text: f.name, href: `#${frameworkAnchor(f.id)}` }, String(covered), String(partial), String(none)];
  });
  return [
    { kind: 'heading', level: 2, text: 'Frameworks: control → guardrails → evidence', anchor: 'frameworks' },
    {
      kind: 'paragraph',
      text: 'Each guardrail is mapped to the controls it serves in five frameworks ("direct": the guardrail is what the control asks for; "supporting": it protects the systems or data the control is about). Requirements that no guardrail covers, or covers only in part, are listed as gaps with what is missing.',
    },
    {
      kind: 'table',
      header: ['framework', 'controls covered', 'partly covered (gap stated)', 'not covered by any guardrail'],
      rows: summaryRows,
    },
    ...report.frameworks.flatMap((f): Block[] => [
      { kind: 'heading', level: 3, text: f.name, anchor: frameworkAnchor(f.id) },
      { kind: 'paragraph', text: `Edition: ${f.edition}.` },
      {
        kind: 'table',
        header: ['control', 'requirement', 'guardrail', 'relation', 'how it serves the control', 'evidence (this run)'],
        rows: f.controls.flatMap((c): Cell[][] => {
          // The requirement is printed on a control's first row only.
          const rows: Cell[][] = c.guardrails.map((g, i) => [
            i === 0 ? c.control : '',
            i === 0 ? c.title : '',
            { text: g.guardrail, href: `#${guardrailAnchor(g.guardrail)}` },
            g.relation,
            g.how,
            evidence(g),
          ]);
          if (c.gap)
            rows.push([
              rows.length === 0 ? c.control : '',
              rows.length === 0 ? c.title : '',
              c.gap.coverage === 'none' ? 'NOT COVERED' : 'PARTLY COVERED',
              'gap',
              c.gap.note,
              '',
            ]);
          return rows;
        }),
      },
    ]),
    {
      kind: 'heading',
      level: 3,
      text: 'Framework requirements no guardrail covers',
      anchor: 'framework-gaps',
    },
    {
      kind: 'table',
      header: ['framework', 'control', 'requirement', 'coverage', 'what is missing'],
      rows: report.frameworks.flatMap((f) =>
        f.controls
          .filter((c) => c.gap)
          .map((c): Cell[] => [f.id, c.control, c.title, c.gap?.coverage ?? '', c.gap?.note ?? '']),
      ),
    },
  ];
};

/** A guardrail's own framework references, for its detail section. */
export const guardrailFrameworkItems = (g: ComplianceReport['guardrails'][number]): Cell[] =>
  g.frameworks.map((r) => ({
    text: `${r.framework} ${r.control} (${r.relation}): ${r.how}`,
    href: `#${frameworkAnchor(r.framework)}`,
  }));
