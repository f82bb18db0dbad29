import { Effect, Schema } from 'effect';
import { badJob } from '../pipeline/errors.js';
import type { ConnectorJob } from '../pipeline/job.js';
import { fromTenantSqlError } from '../pipeline/sql-errors.js';
import { type DispositionReport, disposeExpired } from './disposition.js';
import { recordRetentionPolicy } from './policy.js';

/**
 * The daily disposition of one customer, as a job on the connector-jobs queue
 * (kind `disposition`, sent by the customer's EventBridge Scheduler schedule:
 * src/shared-compute/schedule-plan.ts `dispositionSchedulePlans`). It first
 * records the blueprint's retention carried in the job (a change applies to
 * rows ingested from then on), then disposes of what is due at the scheduled
 * time (`requestedAt`: a redelivered job has the same cutoff). A failure is
 * the queue's: retried, then dead-lettered like a connector job.
 */
const RetentionDays = Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 36_500 }));
export const DispositionParams = Schema.Struct({
  retentionDays: RetentionDays,
  retentionByKind: Schema.optional(Schema.Record(Schema.String, RetentionDays)),
  batchSize: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 10_000 }))),
  dryRun: Schema.optional(Schema.Boolean),
});

/** Batches per job; a customer with more due rows gets a continuation job (`more`). */
export const DISPOSITION_BATCHES_PER_JOB = 20;

export const runDispositionJob = Effect.fn('Disposition.job')(function* (job: ConnectorJob) {
  const params = yield* Schema.decodeUnknownEffect(DispositionParams)(job.params ?? {}).pipe(
    Effect.mapError((error) => badJob(job, `disposition params: ${error.message}`)),
  );
  const actor = `schedule:disposition:${job.jobId}`;
  yield* recordRetentionPolicy(
    {
      customerId: job.customerId,
      retentionDays: params.retentionDays,
      ...(params.retentionByKind ? { retentionByKind: params.retentionByKind } : {}),
    },
    actor,
  ).pipe(Effect.mapError((error) => fromTenantSqlError(error, job.jobId)));
  const report: DispositionReport = yield* disposeExpired({
    customerId: job.customerId,
    now: new Date(job.requestedAt),
    actor,
    maxBatches: DISPOSITION_BATCHES_PER_JOB,
    ...(params.batchSize ? { batchSize: params.batchSize } : {}),
    ...(params.dryRun ? { dryRun: params.dryRun } : {}),
  }).pipe(
    Effect.mapError((error) =>
      error._tag === 'Transient' || error._tag === 'BadPayload' ? error : fromTenantSqlError(error, job.jobId),
    ),
  );
  yield* Effect.logInfo(
    `disposition customer=${job.customerId} deleted=${report.ids.length} objects=${report.objects.length} held=${report.heldPastRetention} ids_sha256=${report.idsSha256}`,
  );
  return { report, more: !report.dryRun && report.batches >= DISPOSITION_BATCHES_PER_JOB };
});
