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
