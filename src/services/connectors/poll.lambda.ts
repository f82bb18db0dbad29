import { type Config, Effect, Layer, ManagedRuntime } from 'effect';
import { awsConnectorWorkerLayer, awsPipelineConfig } from '../pipeline/aws-environment.js';
import { decodeJob } from '../pipeline/job.js';
import { handleSqsEvent, type SqsBatchResponse, type SqsEvent } from '../queue/consumer.js';
import { JobQueue } from '../queue/job-queue.js';
import { JobRunner } from '../queue/job-runner.js';

/**
 * The connector poll Lambda (short delta polls). Two ways in:
 * - EventBridge Scheduler invokes it with a connector job as the event (the
 *   6-hour schedule with jitter). The job runs here; if it cannot finish
 *   (a retriable failure, or the page limit) it is handed to the
 *   connector-jobs queue, where the Fargate workers retry it with backoff and
 *   SQS dead-letters it after 3 receives. A malformed job throws, so Lambda's
 *   own dead-letter queue keeps it with the error message.
 * - An SQS event source on the connector-jobs queue: each record is handled
 *   like the Fargate worker does, and only retriable failures are reported as
 *   `batchItemFailures` (ReportBatchItemFailures).
 */

// Read when the runtime is first used, so a missing variable fails the invocation with a ConfigError naming it.
const layer = Layer.unwrap(Effect.map(awsPipelineConfig, awsConnectorWorkerLayer));

let runtime: ManagedRuntime.ManagedRuntime<JobRunner | JobQueue, Config.ConfigError> | undefined;

const isSqsEvent = (event: unknown): event is SqsEvent =>
  typeof event === 'object' && event !== null && Array.isArray((event as { Records?: unknown }).Records);

/** A job delivered directly by the scheduler. */
export const runScheduledJob = (event: unknown) =>
  Effect.gen(function* () {
    const job = yield* decodeJob(JSON.stringify(event), 'scheduler');
    const runner = yield* JobRunner;
    const queue = yield* JobQueue;
    const outcome = yield* runner.run(job).pipe(
      Effect.catchTags({
        // Retriable here means "not in this invocation": the queue's workers take it over with backoff.
        RateLimited: () => queue.send(job).pipe(Effect.as({ handedOff: true as const })),
        Transient: () => queue.send(job).pipe(Effect.as({ handedOff: true as const })),
        CursorConflict: () => Effect.succeed({ handedOff: false as const }),
        AuthExpired: () => Effect.succeed({ handedOff: false as const }),
      }),
    );
    if ('more' in outcome && outcome.more) yield* queue.send({ ...job, jobId: `${job.jobId}+`, kind: 'poll' });
    return outcome;
  });

export const handler = async (event: unknown): Promise<SqsBatchResponse | { readonly status: 'done' }> => {
  runtime ??= ManagedRuntime.make(layer);
  if (isSqsEvent(event)) return runtime.runPromise(handleSqsEvent(event));
  await runtime.runPromise(
    runScheduledJob(event).pipe(
      Effect.catchTag('BadPayload', (bad) => Effect.die(new Error(`bad connector job: ${bad.subject}: ${bad.reason}`))),
    ),
  );
  return { status: 'done' };
};
