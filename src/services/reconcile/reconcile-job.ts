import { Console, Context, Effect, Layer, Schema } from 'effect';
import { TenantSql } from '../db/tenant-sql.js';
import { ConnectorCredentials } from '../pipeline/credentials.js';
import { type BadPayload, badJob, type ConnectorError, Transient } from '../pipeline/errors.js';
import type { ConnectorJob } from '../pipeline/job.js';
import { archiveHoldings } from './archive-holdings.js';
import { listProvider, ReconcileSource } from './listers.js';
import { gapsMetricLine, type ReconcileReport, reconcileReport } from './reconcile.js';

/**
 * The window a scheduled reconcile covers: the two whole UTC days that ended
 * at least a day before the run. Every connector polls at least daily
 * (`intervalHours` ≤ 24), so a message still missing then is a gap, not a
 * poll not yet due.
 */
export const RECONCILE_WINDOW = { days: 2, lagDays: 1 } as const;

const DAY_MS = 86_400_000;

/** [since, until] of a run requested at `requestedAt`. */
export const reconcileWindow = (requestedAt: Date): { since: Date; until: Date } => {
  const today = Date.UTC(requestedAt.getUTCFullYear(), requestedAt.getUTCMonth(), requestedAt.getUTCDate());
  const end = today - RECONCILE_WINDOW.lagDays * DAY_MS;
  return { since: new Date(end - RECONCILE_WINDOW.days * DAY_MS), until: new Date(end - 1) };
};

const decodeSource = Schema.decodeUnknownEffect(ReconcileSource);

/**
 * What a reconcile job asks its provider to list: the job's listing params
 * (never its `baseUrl`, so a job cannot send a connector's token elsewhere)
 * as a {@link ReconcileSource}; a job without the params its provider needs
 * is BadPayload naming them (dead-lettered, not retried).
 */
export const reconcileSourceOf = (job: ConnectorJob, baseUrl?: string): Effect.Effect<ReconcileSource, BadPayload> => {
  const { baseUrl: _fromJob, ...params } = job.params ?? {};
  return decodeSource({
    ...params,
    ...(baseUrl ? { baseUrl } : {}),
    platform: job.platform,
    connectorId: job.connectorId,
    tokenEnv: 'connector secret',
  }).pipe(
    Effect.mapError((e) => badJob(job, `a ${job.platform} reconcile job lacks its listing params: ${e.message}`)),
  );
};

/**
 * Runs `reconcile` jobs (the daily schedule of each connector, through the
 * connector-jobs queue): lists what the provider holds for the window, with
 * the connector's own token and the job's listing params (the names the poll
 * uses: channels, users, mailbox, folders, accountSid), reads what the archive
 * holds as the customer, and prints the figures and the `ArchiveGaps` metric
 * line that CloudWatch Logs extracts for the ReconcileGaps alarm. Both runtimes
 * of the queue deliver stdout to CloudWatch Logs (the Fargate task's awslogs
 * driver through PutLogEvents, Lambda on its own), and CloudWatch Logs extracts
 * metrics from any event in embedded metric format; the `x-amzn-logs-format`
 * header is optional.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Generation_PutLogEvents.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Lambda.html
 */
export class Reconciler extends Context.Service<
  Reconciler,
  { readonly run: (job: ConnectorJob) => Effect.Effect<ReconcileReport, ConnectorError> }
>()('panops/reconcile/Reconciler') {
  /**
   * @param options.baseUrl the provider API's origin (local servers in tests); never taken from a job, so a job
   *   cannot send a connector's token elsewhere. @default each provider's public API
   */
  static readonly layerWith = (options: { readonly baseUrl?: string } = {}) =>
    Layer.effect(
      Reconciler,
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        const credentials = yield* ConnectorCredentials;
        return Reconciler.of({
          run: Effect.fn('Reconciler.run')(function* (job: ConnectorJob) {
            const source = yield* reconcileSourceOf(job, options.baseUrl);
            const token = yield* credentials.accessToken(job);
            const { since, until } = reconcileWindow(new Date(job.requestedAt));
            const provider = yield* listProvider(source, token, since, until);
            const archive = yield* archiveHoldings(job.customerId, since).pipe(
              Effect.provideService(TenantSql, tenant),
              Effect.mapError((e) => new Transient({ source: 'database', detail: `archive holdings: ${e.message}` })),
            );
            const slug = typeof job.params?.customerSlug === 'string' ? job.params.customerSlug : job.customerId;
            const report = reconcileReport(
              { id: job.customerId, slug },
              since,
              provider,
              archive.filter((d) => d.platform === job.platform && d.connectorId === job.connectorId),
              new Date(job.requestedAt),
            );
            // The figures (the compliance report's evidence) and the metric line, one JSON log line each.
            yield* Console.log(JSON.stringify({ reconcileFigures: report }));
            yield* Console.log(gapsMetricLine(report));
            return report;
          }),
        });
      }),
    );

  static readonly layer = Reconciler.layerWith();
}
