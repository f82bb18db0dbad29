import type { Effect } from 'effect';
import { RECONCILE_METRIC, type ReconcileReport, type ReconcileRow } from '../../contracts/reconcile.js';
import type { ConnectorError } from '../pipeline/errors.js';

export type { ReconcileReport, ReconcileRow };

/**
 * Completeness you can prove: per connector and day, what the provider lists
 * against what the archive holds. Where the provider's API lists ids, the
 * gap is the ids the archive lacks (named); where it only gives a count, the
 * gap is how many fewer the archive holds.
 */

/** One connector's day as the provider lists it: ids where its API lists them, else a count. */
export interface ProviderDay {
  readonly platform: string;
  readonly connectorId: string;
  /** UTC day, `YYYY-MM-DD`. */
  readonly day: string;
  readonly ids?: readonly string[];
  readonly count: number;
}

/** A provider's lister: what it lists for one configured connector over [since, until], read with the connector's token. */
export type ProviderListing<S> = (
  source: S,
  token: string,
  since: Date,
  until: Date,
) => Effect.Effect<ProviderDay[], ConnectorError>;

/** What the archive holds for one connector's day: the base keys of the messages it has a version of. */
export interface ArchiveDay {
  readonly platform: string;
  readonly connectorId: string;
  readonly day: string;
  readonly ids: readonly string[];
}

/**
 * The message an archive key belongs to: versions (`#edit:...`, `#delete:...`,
 * `#removed`) hold the same message as their original, so any version counts.
 */
export const baseKey = (externalId: string): string => externalId.split('#', 1)[0] ?? externalId;

const keyOf = (d: { platform: string; connectorId: string; day: string }) =>
  `${d.platform}\u0000${d.connectorId}\u0000${d.day}`;

/** Compares provider and archive day by day; every provider day is a row, gap or not. */
export const reconcileDays = (provider: readonly ProviderDay[], archive: readonly ArchiveDay[]): ReconcileRow[] => {
  const held = new Map<string, Set<string>>();
  for (const day of archive) {
    const set = held.get(keyOf(day)) ?? new Set<string>();
    for (const id of day.ids) set.add(baseKey(id));
    held.set(keyOf(day), set);
  }
  // The archive is searched across all of a connector's days for an id: a message
  // filed under a neighbouring day (time zones, edits) is held, not missing.
  const heldAnyDay = new Map<string, Set<string>>();
  for (const day of archive) {
    const key = `${day.platform}\u0000${day.connectorId}`;
    const set = heldAnyDay.get(key) ?? new Set<string>();
    for (const id of day.ids) set.add(baseKey(id));
    heldAnyDay.set(key, set);
  }
  return [...provider]
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)))
    .map((day) => {
      const archiveIds = held.get(keyOf(day)) ?? new Set<string>();
      if (day.ids) {
        const any = heldAnyDay.get(`${day.platform}\u0000${day.connectorId}`) ?? new Set<string>();
        const missing = [...new Set(day.ids)].filter((id) => !any.has(baseKey(id))).sort();
        return {
          platform: day.platform,
          connectorId: day.connectorId,
          day: day.day,
          basis: 'ids',
          provider: new Set(day.ids).size,
          archive: archiveIds.size,
          gap: missing.length,
          missing,
        } satisfies ReconcileRow;
      }
      return {
        platform: day.platform,
        connectorId: day.connectorId,
        day: day.day,
        basis: 'count',
        provider: day.count,
        archive: archiveIds.size,
        gap: Math.max(0, day.count - archiveIds.size),
        missing: [],
      } satisfies ReconcileRow;
    });
};

export const reconcileReport = (
  customer: { id: string; slug: string },
  since: Date,
  provider: readonly ProviderDay[],
  archive: readonly ArchiveDay[],
  now: Date = new Date(),
): ReconcileReport => {
  const rows = reconcileDays(provider, archive);
  return {
    customerId: customer.id,
    customerSlug: customer.slug,
    since: since.toISOString(),
    generatedAt: now.toISOString(),
    rows,
    totalGaps: rows.reduce((n, r) => n + r.gap, 0),
  };
};

/** UTC day of an instant. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

/** A provider's listed ids grouped by the UTC day of their time. */
export const providerDays = (
  platform: string,
  connectorId: string,
  entries: readonly { readonly id: string; readonly at: Date }[],
): ProviderDay[] => {
  const days = new Map<string, string[]>();
  for (const { id, at } of entries) {
    const day = utcDay(at);
    days.set(day, [...(days.get(day) ?? []), id]);
  }
  return [...days].map(([day, ids]) => ({ platform, connectorId, day, ids, count: ids.length }));
};

/** A provider's counts per UTC day (where its API lists nothing the archive keys on). */
export const countedDays = (platform: string, connectorId: string, days: ReadonlyMap<string, number>): ProviderDay[] =>
  [...days].map(([day, count]) => ({ platform, connectorId, day, count }));

/** Each UTC day from `since` to `until`, as [start, end) instants. */
export const utcDaysBetween = (since: Date, until: Date): { day: string; start: Date; end: Date }[] => {
  const days: { day: string; start: Date; end: Date }[] = [];
  for (
    let t = Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), since.getUTCDate());
    t <= until.getTime();
    t += 86_400_000
  )
    days.push({ day: utcDay(new Date(t)), start: new Date(t), end: new Date(t + 86_400_000) });
  return days;
};

/**
 * The run's figure as a CloudWatch embedded-metric-format line: printed to the
 * log of the task that runs it, CloudWatch Logs extracts the metric the shared
 * compute alarm watches, with no PutMetricData call to permit.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export const gapsMetricLine = (report: ReconcileReport): string =>
  JSON.stringify({
    _aws: {
      Timestamp: Date.parse(report.generatedAt),
      CloudWatchMetrics: [
        {
          Namespace: RECONCILE_METRIC.namespace,
          // Per customer, and without dimensions: the one series the shared compute alarm watches.
          Dimensions: [[RECONCILE_METRIC.customerDimension], []],
          Metrics: [{ Name: RECONCILE_METRIC.gapsMetricName, Unit: 'Count' }],
        },
      ],
    },
    [RECONCILE_METRIC.customerDimension]: report.customerSlug,
    [RECONCILE_METRIC.gapsMetricName]: report.totalGaps,
  });

/** The report as the operator reads it: one line per connector and day, gaps named. */
export const formatReport = (report: ReconcileReport): string => {
  const lines = [
    `Reconcile ${report.customerSlug} since ${report.since.slice(0, 10)}: ${report.totalGaps === 0 ? 'no gap' : `${report.totalGaps} missing`}`,
  ];
  for (const r of report.rows) {
    lines.push(
      `${r.day}  ${r.platform}/${r.connectorId}  provider ${r.provider} (${r.basis})  archive ${r.archive}  gap ${r.gap}` +
        (r.missing.length > 0 ? `  missing: ${r.missing.join(', ')}` : ''),
    );
  }
  return lines.join('\n');
};
