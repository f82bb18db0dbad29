import { Effect, type Exit, Option } from 'effect';
import { ArchiveObjectRetention } from '../archive/object-retention.js';
import { type CursorKey, CursorStore } from '../cursor/cursor-store.js';
import { TenantSql } from '../db/tenant-sql.js';
import { Reconciler } from '../reconcile/reconcile-job.js';
import { runDispositionJob } from '../retention/disposition-job.js';
import type { SkippedItem } from './communication.js';
import { type Connector, Connectors, type Page } from './connector.js';
import { ConnectorStatus } from './connector-status.js';
import { badJob, Transient } from './errors.js';
import { Ingest } from './ingest.js';
import type { ConnectorJob } from './job.js';
import { PipelineSettings, withRetryPolicy } from './policy.js';

/** What one scope's round did. */
export interface ScopeOutcome {
  readonly scope: string;
  readonly pages: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly recordingsQueued: number;
  readonly skipped: readonly SkippedItem[];
  /** The stored cursor had expired and the scope was synced again from the beginning. */
  readonly resynced: boolean;
  /** False when the page limit stopped the round early; a continuation job picks it up from the cursor. */
  readonly caughtUp: boolean;
}

export interface JobOutcome {
  readonly job: ConnectorJob;
  readonly scopes: readonly ScopeOutcome[];
  /** True when some scope is not caught up yet (the queue enqueues a continuation). */
  readonly more: boolean;
}

/**
 * Syncs one scope: fetch a page after the cursor, store every item, then
 * advance the cursor by compare-and-set — in that order, so the cursor never
 * passes an item that is not stored, and a second worker on the same round
 * stops at its first advance (`CursorConflict`) instead of moving it twice.
 *
 * Pipelined one page deep: while page N commits and advances the cursor, page
 * N+1 is fetched, parsed and archived (write-once, so work on a page that is
 * never committed costs nothing but the work). A failure of page N+1 surfaces
 * only after page N is stored and the cursor is past it, exactly as one page
 * at a time; a failure of page N stops page N+1 before it is stored.
 */
const syncScope = Effect.fn('Pipeline.syncScope')(function* (connector: Connector, job: ConnectorJob, scope: string) {
  const cursors = yield* CursorStore;
  const ingest = yield* Ingest;
  const settings = yield* PipelineSettings;
  const key: CursorKey = { customerId: job.customerId, connectorId: job.connectorId, scope };
  const context = { customerId: job.customerId, connectorId: job.connectorId, platform: job.platform };

  const stored = yield* withRetryPolicy(cursors.get(key));
  let version = Option.match(stored, { onNone: () => 0, onSome: (r) => r.version });
  // A resync job ignores the cursor but still advances it by compare-and-set.
  const cursor = job.kind === 'resync' ? Option.none<string>() : Option.map(stored, (r) => r.value);
  let resynced = job.kind === 'resync';
  let pages = 0;
  let totals = { stored: 0, duplicates: 0, recordingsQueued: 0 };
  const skipped: SkippedItem[] = [];

  const fetchPage = (from: Option.Option<string>) =>
    withRetryPolicy(connector.fetchPage(job, scope, from)).pipe(
      Effect.catchTag('CursorExpired', (expired) =>
        // Expired on a full sync, or again right after a resync: resyncing once more would loop.
        Option.isNone(from) || resynced
          ? Effect.fail(
              new Transient({
                source: job.platform,
                detail: `cursor of ${scope} expired during a full sync (${expired.detail}); the next job starts over`,
              }),
            )
          : Effect.logWarning(`cursor of ${scope} expired (${expired.detail}); resyncing from the beginning`).pipe(
              Effect.andThen(() => {
                resynced = true;
                return withRetryPolicy(connector.fetchPage(job, scope, Option.none()));
              }),
            ),
      ),
    );

  /** The page after `from`, parsed and archived, ready to commit. */
  const fetchAndPrepare = (from: Option.Option<string>) =>
    Effect.gen(function* () {
      const page = yield* fetchPage(from);
      const prepared = yield* withRetryPolicy(ingest.prepare(context, page.items, page.unparsed ?? []));
      return { page, prepared };
    });

  /** Commits a prepared page, then moves the cursor past it. */
  type Prepared = Effect.Success<ReturnType<typeof fetchAndPrepare>>;
  const commitAndAdvance = ({ page, prepared }: Prepared) =>
    Effect.gen(function* () {
      const result = yield* withRetryPolicy(prepared.commit);
      totals = {
        stored: totals.stored + result.stored,
        duplicates: totals.duplicates + result.duplicates,
        recordingsQueued: totals.recordingsQueued + result.recordingsQueued,
      };
      for (const s of [...page.skipped, ...result.skipped]) {
        skipped.push(s);
        yield* Effect.logWarning(`skipped ${s.location}: ${s.reason}`);
      }
      const advanced = yield* withRetryPolicy(cursors.advance(key, version, page.nextCursor));
      version = advanced.version;
      pages += 1;
    });

  /** Page N+1 after `page`, unless `page` is the last this round may take; its failure is kept, not raised yet. */
  const prefetchAfter = (page: Page) =>
    !page.done && pages + 1 < settings.maxPagesPerScope
      ? Effect.map(Effect.exit(fetchAndPrepare(Option.some(page.nextCursor))), Option.some)
      : Effect.succeed(Option.none<Exit.Exit<Prepared, Effect.Error<ReturnType<typeof fetchAndPrepare>>>>());

  if (settings.maxPagesPerScope <= 0) return { scope, pages, ...totals, skipped, resynced, caughtUp: false };
  let current: Prepared = yield* fetchAndPrepare(cursor);
  for (;;) {
    const { page } = current;
    const [, following] = yield* Effect.all([commitAndAdvance(current), prefetchAfter(page)], { concurrency: 2 });
    if (page.done) return { scope, pages, ...totals, skipped, resynced, caughtUp: true } satisfies ScopeOutcome;
    if (Option.isNone(following)) return { scope, pages, ...totals, skipped, resynced, caughtUp: false };
    current = yield* following.value;
  }
});

/**
 * Runs one connector job to completion or to its first unrecoverable failure.
 * Retriable failures are retried in the job by the pipeline policy; an auth
 * failure marks the connector for re-authorization (and alerts) before the
 * job fails with it. The error that escapes tells the queue what to do.
 */
/**
 * A `reconcile` job: the provider's listing against the archive (src/services/reconcile). Only entry points
 * that provide a Reconciler run it; elsewhere it is a bad job, dead-lettered with the reason.
 */
const reconcile = (job: ConnectorJob) =>
  Effect.gen(function* () {
    const reconciler = yield* Effect.serviceOption(Reconciler);
    if (Option.isNone(reconciler)) return yield* badJob(job, 'this runtime does not run reconcile jobs');
    yield* withRetryPolicy(reconciler.value.run(job));
    return { job, scopes: [], more: false } satisfies JobOutcome;
  });

/**
 * A `disposition` job: the customer's daily retention run (src/services/retention/disposition-job.ts). Only
 * runtimes that hold the customer's database and archive objects run it; elsewhere it is a bad job.
 */
const disposition = (job: ConnectorJob) =>
  Effect.gen(function* () {
    const tenant = yield* Effect.serviceOption(TenantSql);
    const objects = yield* Effect.serviceOption(ArchiveObjectRetention);
    if (Option.isNone(tenant) || Option.isNone(objects))
      return yield* badJob(job, 'this runtime does not run disposition jobs');
    const { more } = yield* runDispositionJob(job).pipe(
      Effect.provideService(TenantSql, tenant.value),
      Effect.provideService(ArchiveObjectRetention, objects.value),
    );
    return { job, scopes: [], more } satisfies JobOutcome;
  });

export const runJob = Effect.fn('Pipeline.runJob')(
  function* (job: ConnectorJob) {
    if (job.kind === 'reconcile') return yield* reconcile(job);
    if (job.kind === 'disposition') return yield* disposition(job);
    const connectors = yield* Connectors;
    const status = yield* ConnectorStatus;
    const connector = yield* connectors.forPlatform(job.platform);
    const scopes = yield* withRetryPolicy(connector.scopes(job));
    const outcomes: ScopeOutcome[] = [];
    for (const scope of scopes) outcomes.push(yield* syncScope(connector, job, scope));
    yield* status.markSynced(job.customerId, job.connectorId).pipe(Effect.ignore);
    return { job, scopes: outcomes, more: outcomes.some((o) => !o.caughtUp) } satisfies JobOutcome;
  },
  (effect, job) =>
    effect.pipe(
      Effect.tapError((error) =>
        error._tag === 'AuthExpired'
          ? Effect.gen(function* () {
              const status = yield* ConnectorStatus;
              yield* status
                .markNeedsReauthorization(job.customerId, job.connectorId, error.detail)
                .pipe(Effect.retry({ times: 3 }), Effect.ignore);
              // The alert: an ERROR log line with a fixed marker that the log metric filter counts.
              yield* Effect.logError(
                `ALERT connector-needs-reauthorization customer=${job.customerId} connector=${job.connectorId}: ${error.detail}`,
              );
            })
          : Effect.void,
      ),
      Effect.annotateLogs({ jobId: job.jobId, customerId: job.customerId, connectorId: job.connectorId }),
    ),
);
