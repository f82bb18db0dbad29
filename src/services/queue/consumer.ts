import { Cause, Effect, Fiber, Schedule } from 'effect';
import { isJobError, type JobError } from '../pipeline/errors.js';
import { decodeJob } from '../pipeline/job.js';
import { PipelineSettings, policyFor, redeliveryDelayMs } from '../pipeline/policy.js';
import { JobQueue, type ReceivedMessage } from './job-queue.js';
import { JobRunner } from './job-runner.js';

/**
 * What happened to one message. `acknowledge`: its work is stored (or can
 * never succeed and was dead-lettered, or is owned by another worker) — delete
 * it. `retry`: leave it; it comes back after `delaySeconds` (its visibility was
 * set to that), and SQS moves it to the DLQ after the third receive.
 */
export type Disposition =
  | { readonly _tag: 'acknowledge'; readonly why: 'stored' | 'dead-lettered' | 'reauthorization' | 'yielded' }
  | { readonly _tag: 'retry'; readonly delaySeconds: number; readonly why: string };

/** How often the heartbeat renews a message's visibility: a third of the timeout, so two renewals can fail. */
const heartbeatEvery = (visibilitySeconds: number) => Math.max(1, Math.floor(visibilitySeconds / 3)) * 1000;

/** Applies the failure's one policy to the message. Never fails: the worst case is "retry later". */
const dispose = (message: ReceivedMessage, error: JobError) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue;
    const settings = yield* PipelineSettings;
    const policy = policyFor(error);
    switch (policy._tag) {
      case 'DeadLetter': {
        yield* Effect.logError(`dead-lettering message ${message.messageId}: ${policy.reason}`);
        return yield* queue
          .deadLetter(message, policy.reason)
          .pipe(Effect.as<Disposition>({ _tag: 'acknowledge', why: 'dead-lettered' }));
      }
      case 'Reauthorize':
        // The runner marked the connector and alerted; retrying cannot help until a person reconnects it.
        return { _tag: 'acknowledge', why: 'reauthorization' } satisfies Disposition;
      case 'Yield':
        return { _tag: 'acknowledge', why: 'yielded' } satisfies Disposition;
      case 'RetryAfter':
      case 'Backoff':
      case 'Resync': {
        const delaySeconds = Math.ceil(redeliveryDelayMs(settings, error, message.receiveCount) / 1000);
        yield* queue.setVisibility(message, delaySeconds);
        return { _tag: 'retry', delaySeconds, why: error._tag } satisfies Disposition;
      }
    }
  }).pipe(
    // Could not even dead-letter or delay it: leave it for the visibility timeout (and the redrive policy).
    Effect.catch((failure) =>
      Effect.succeed<Disposition>({ _tag: 'retry', delaySeconds: 0, why: `${error._tag}, then ${failure._tag}` }),
    ),
  );

/**
 * Processes one message: decode, run, and decide — while a heartbeat keeps
 * the message invisible for as long as the job runs, so a long mailbox sync is
 * never handed to a second worker mid-way. Work is stored before this returns
 * `acknowledge`; deleting is the caller's (batch delete, or Lambda's).
 */
export const handleMessage = (message: ReceivedMessage) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue;
    const runner = yield* JobRunner;
    const heartbeat = yield* Effect.forkChild(
      queue.setVisibility(message, queue.visibilityTimeoutSeconds).pipe(
        Effect.catch((e) => Effect.logWarning(`visibility heartbeat failed: ${e.detail}`)),
        Effect.repeat(Schedule.spaced(heartbeatEvery(queue.visibilityTimeoutSeconds))),
        Effect.delay(heartbeatEvery(queue.visibilityTimeoutSeconds)),
      ),
    );
    const exit = yield* Effect.exit(
      Effect.flatMap(decodeJob(message.body, message.messageId), (job) =>
        Effect.tap(runner.run(job), (outcome) =>
          // The page limit stopped the round early: queue the rest before acknowledging this part.
          outcome.more
            ? queue.send({ ...job, jobId: `${job.jobId}+`, kind: job.kind === 'resync' ? 'poll' : job.kind })
            : Effect.void,
        ),
      ),
    );
    yield* Fiber.interrupt(heartbeat);
    if (exit._tag === 'Success') return { _tag: 'acknowledge', why: 'stored' } satisfies Disposition;
    const failure = Cause.findErrorOption(exit.cause);
    if (failure._tag === 'Some' && isJobError(failure.value)) return yield* dispose(message, failure.value);
    // A defect (a bug, an unexpected exception): never acknowledge; let redrive bound it.
    yield* Effect.logError(`job ${message.messageId} died: ${Cause.pretty(exit.cause)}`);
    return { _tag: 'retry', delaySeconds: 0, why: 'defect' } satisfies Disposition;
  }).pipe(Effect.annotateLogs({ messageId: message.messageId, receiveCount: message.receiveCount }));

export interface PollOptions {
  /** Messages processed at once. @default 4 */
  readonly concurrency?: number;
}

/** One long-poll round: receive a batch, process it, delete what is acknowledged (in one batch call). */
export const pollOnce = (options: PollOptions = {}) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue;
    const messages = yield* queue.receive;
    const results = yield* Effect.forEach(messages, (m) => Effect.map(handleMessage(m), (d) => [m, d] as const), {
      concurrency: options.concurrency ?? 4,
    });
    const done = results.filter(([, d]) => d._tag === 'acknowledge').map(([m]) => m);
    // A failed delete only means a redelivery, which finds everything stored: log and go on.
    yield* queue
      .delete(done)
      .pipe(Effect.catch((e) => Effect.logWarning(`delete failed; will be redelivered: ${e.detail}`)));
    return results;
  });

/** The Fargate worker loop: poll until interrupted (SIGTERM on Spot reclaim finishes the batch in hand). */
export const runWorker = (options: PollOptions = {}) =>
  pollOnce(options).pipe(
    Effect.catch((e) =>
      Effect.logWarning(`receive failed: ${e.detail}`).pipe(Effect.andThen(Effect.sleep('5 seconds'))),
    ),
    Effect.forever,
  );

/** An SQS event as Lambda delivers it (the fields we use). */
export interface SqsEvent {
  readonly Records: ReadonlyArray<{
    readonly messageId: string;
    readonly receiptHandle: string;
    readonly body: string;
    readonly attributes?: { readonly ApproximateReceiveCount?: string };
  }>;
}

/** Lambda's partial batch response (`ReportBatchItemFailures`): only the failed messages come back. */
export interface SqsBatchResponse {
  readonly batchItemFailures: ReadonlyArray<{ readonly itemIdentifier: string }>;
}

/** Processes a Lambda SQS batch; acknowledged messages are deleted by Lambda, failures are reported for retry. */
export const handleSqsEvent = (event: SqsEvent, options: PollOptions = {}) =>
  Effect.forEach(
    event.Records,
    (record) =>
      Effect.map(
        handleMessage({
          messageId: record.messageId,
          receiptHandle: record.receiptHandle,
          body: record.body,
          receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1),
        }),
        (d) => [record.messageId, d] as const,
      ),
    { concurrency: options.concurrency ?? 4 },
  ).pipe(
    Effect.map(
      (results): SqsBatchResponse => ({
        batchItemFailures: results.filter(([, d]) => d._tag === 'retry').map(([id]) => ({ itemIdentifier: id })),
      }),
    ),
  );
