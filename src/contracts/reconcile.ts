import type { CustomerFigures } from './customer-figures.js';

/**
 * The completeness metric: what a reconcile run publishes and what the shared
 * compute stack alarms on. One custom metric per customer, the number of
 * messages a provider lists that the archive does not hold.
 */
export const RECONCILE_METRIC = {
  namespace: 'PanOps/Reconcile',
  gapsMetricName: 'ArchiveGaps',
  customerDimension: 'Customer',
} as const;

/**
 * A reconcile run's figures, as `panops reconcile` and the scheduled reconcile
 * job write them (JSON) and as the compliance report reads them.
 */
export interface ReconcileRow {
  readonly platform: string;
  readonly connectorId: string;
  readonly day: string;
  /** `ids` when the provider listed ids, `count` when it gave only a count. */
  readonly basis: 'ids' | 'count';
  readonly provider: number;
  readonly archive: number;
  readonly gap: number;
  /** The provider's ids the archive lacks (basis `ids`). */
  readonly missing: readonly string[];
}

export interface ReconcileReport extends CustomerFigures {
  readonly since: string;
  readonly rows: readonly ReconcileRow[];
  readonly totalGaps: number;
}
