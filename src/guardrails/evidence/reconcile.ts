import { Schema } from 'effect';
import type { ReconcileReport } from '../../contracts/reconcile.js';
import { readNewestPerCustomer } from './customer-files.js';

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
export const readReconcileEvidence = (dir: string): ReconcileEvidence => ({
  source: dir,
  reports: readNewestPerCustomer<ReconcileReport>(
    dir,
    ReconcileFigures,
    (path, detail) => new ReconcileFiguresInvalid(`${path}: not reconcile figures: ${detail}`),
  ),
});
