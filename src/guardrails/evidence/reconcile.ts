import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Schema } from 'effect';
import type { ReconcileReport } from '../../contracts/reconcile.js';

/** What the compliance report shows of completeness: the reconcile figures it was given, per customer. */
export interface ReconcileEvidence {
  /** The folder the figures were read from. */
  readonly source: string;
  readonly reports: readonly ReconcileReport[];
}

const ReconcileRow = Schema.Struct({
  platform: Schema.String,
  connectorId: Schema.String,
  day: Schema.String,
  basis: Schema.Literals(['ids', 'count']),
  provider: Schema.Number,
  archive: Schema.Number,
  gap: Schema.Number,
  missing: Schema.Array(Schema.String),
});
const ReconcileFigures = Schema.Struct({
  customerId: Schema.String,
  customerSlug: Schema.String,
  since: Schema.String,
  generatedAt: Schema.String,
  rows: Schema.Array(ReconcileRow),
  totalGaps: Schema.Number,
});

/** A figures file that is not what `panops reconcile` writes: refused naming the file and the field. */
export class ReconcileFiguresInvalid extends Error {}

/**
 * Every reconcile figures file in a folder (`panops reconcile` writes
 * `<home>/reconcile/<slug>.json`; the scheduled job logs the same JSON), the
 * newest per customer, sorted by customer.
 */
export const readReconcileEvidence = (dir: string): ReconcileEvidence => {
  const newest = new Map<string, ReconcileReport>();
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const path = join(dir, name);
    let figures: ReconcileReport;
    try {
      figures = Schema.decodeUnknownSync(ReconcileFigures)(JSON.parse(readFileSync(path, 'utf8')));
    } catch (e) {
      throw new ReconcileFiguresInvalid(
        `${path}: not reconcile figures: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const seen = newest.get(figures.customerSlug);
    if (!seen || seen.generatedAt < figures.generatedAt) newest.set(figures.customerSlug, figures);
  }
  return { source: dir, reports: [...newest.values()].sort((a, b) => a.customerSlug.localeCompare(b.customerSlug)) };
};
