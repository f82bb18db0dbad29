import type { ComplianceReport } from '../../compliance/model.js';
import type { Block } from '../document.js';

/** Missing ids shown per row before the rest is summarised (the figures file holds them all). */
const SHOWN_MISSING = 10;

/**
 * Completeness: per customer, connector and UTC day, what the provider lists
 * beside what the archive holds (ids where the provider's API lists the ids
 * the archive keys on, counts otherwise), from the reconcile figures given to
 * the run (`--reconcile <dir>`). The same figures feed the ArchiveGaps alarm.
 */
export const reconcileBlocks = (report: ComplianceReport): Block[] => {
  const r = report.reconcile;
  if (!r) return [];
  const gaps = r.reports.reduce((n, c) => n + c.totalGaps, 0);
  return [
    { kind: 'heading', level: 2, text: 'Completeness (reconcile)', anchor: 'reconcile' },
    {
      kind: 'paragraph',
      text: `${r.reports.length} customer(s) reconciled (figures from ${r.source}): ${gaps === 0 ? 'no gap' : `${gaps} message(s) listed by a provider are not in the archive`}. Basis "ids": the provider lists the ids the archive keys on, and a gap names them; "count": the provider lists only ids the archive does not key on (Gmail, Microsoft 365 mail), compared by count per day.`,
    },
    {
      kind: 'table',
      header: ['customer', 'since', 'generated', 'connector', 'day', 'basis', 'provider', 'archive', 'gap', 'missing'],
      rows: r.reports.flatMap((c) =>
        c.rows.map((row) => [
          c.customerSlug,
          c.since.slice(0, 10),
          c.generatedAt,
          `${row.platform}/${row.connectorId}`,
          row.day,
          row.basis,
          String(row.provider),
          String(row.archive),
          row.gap === 0 ? '0' : `GAP ${row.gap}`,
          row.missing.length <= SHOWN_MISSING
            ? row.missing.join(', ')
            : `${row.missing.slice(0, SHOWN_MISSING).join(', ')} and ${row.missing.length - SHOWN_MISSING} more`,
        ]),
      ),
    },
  ];
};
