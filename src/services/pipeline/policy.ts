import { Context, Duration, Effect, Schedule } from 'effect';
import type { JobError } from './errors.js';

/**
 * One policy per failure type. The runner applies the in-job part (retry a
 * page, resync); the queue applies the rest (delay redelivery, dead-letter,
 * acknowledge). Nothing here acknowledges a message before its work is stored.
 */
export type Policy =
  /** RateLimited: wait what the provider asked, then retry. */
  | { readonly _tag: 'RetryAfter'; readonly delayMs: number }
  /** Transient: exponential backoff with jitter, bounded; the queue's redrive (3 receives) is the last bound. */
  | { readonly _tag: 'Backoff' }
  /** CursorExpired: drop the cursor and resync the scope from the beginning. */
  | { readonly _tag: 'Resync' }
  /** AuthExpired: mark the connector as needing re-authorization, stop, alert; retrying cannot help. */
  | { readonly _tag: 'Reauthorize' }
  /** BadPayload: send to the dead-letter queue with the reason, never retry. */
  | { readonly _tag: 'DeadLetter'; readonly reason: string }
  /** CursorConflict: another worker owns this round; acknowledge and stop. */
  | { readonly _tag: 'Yield' };

export const policyFor = (error: JobError): Policy => {
  switch (error._tag) {
    case 'RateLimited':
      return { _tag: 'RetryAfter', delayMs: error.retryAfterMs };
    case 'Transient':
      return { _tag: 'Backoff' };
    case 'CursorExpired':
      return { _tag: 'Resync' };
    case 'AuthExpired':
      return { _tag: 'Reauthorize' };
    case 'BadPayload':
      return {
        _tag: 'DeadLetter',
        reason: `${error.subject}: ${error.reason}${error.location ? ` (${error.location})` : ''}`,
      };
    case 'CursorConflict':
      return { _tag: 'Yield' };
  }
};

/** Timings of the retry policies; tests shrink them, production keeps the defaults. */
export interface PipelineSettings {
  /** First backoff delay for transient failures. @default 500 ms */
  readonly backoffBaseMs: number;
  /** Largest backoff delay (before jitter). @default 30 s */
  readonly backoffMaxMs: number;
  /** Retries of one step inside a job before the job fails back to the queue. @default 4 */
  readonly maxRetries: number;
  /** Longest Retry-After honoured by sleeping inside the job; longer waits go back to the queue as a delayed redelivery. @default 120 s */
  readonly maxInlineWaitMs: number;
  /** Pages fetched per scope in one job, so a Lambda ends well within its 15 minutes; the next job continues from the cursor. @default 200 */
  readonly maxPagesPerScope: number;
}

export const PipelineSettings = Context.Reference<PipelineSettings>('panops/pipeline/PipelineSettings', {
  defaultValue: () => ({
    backoffBaseMs: 500,
    backoffMaxMs: 30_000,
    maxRetries: 4,
    maxInlineWaitMs: 120_000,
    maxPagesPerScope: 200,
  }),
});

/** Whether the in-job retry may handle this failure (the rest escalate at once). */
const retriesInJob = (settings: PipelineSettings, error: JobError): boolean =>
  error._tag === 'Transient' || (error._tag === 'RateLimited' && error.retryAfterMs <= settings.maxInlineWaitMs);

/**
 * The in-job retry schedule: transient failures back off exponentially with
 * jitter, capped at `backoffMaxMs`; rate limits wait exactly Retry-After (never
 * less); anything else fails at once. At most `maxRetries` retries.
 */
export const retrySchedule = (settings: PipelineSettings) =>
  Schedule.min([
    Schedule.exponential(Duration.millis(settings.backoffBaseMs)),
    Schedule.spaced(settings.backoffMaxMs),
  ]).pipe(
    Schedule.jittered,
    Schedule.setInputType<JobError>(),
    Schedule.modifyDelay(({ input, duration }) =>
      Effect.succeed(input._tag === 'RateLimited' ? Duration.millis(input.retryAfterMs) : duration),
    ),
    Schedule.upTo({ times: settings.maxRetries }),
    Schedule.while(({ input }) => retriesInJob(settings, input)),
  );

/** Runs `effect`, retrying its retriable failures by the pipeline's policy. */
export const withRetryPolicy = <A, E extends JobError, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.gen(function* () {
    const settings = yield* PipelineSettings;
    return yield* Effect.retry(effect, retrySchedule(settings) as unknown as Schedule.Schedule<unknown, E>);
  });

/**
 * Delay before the queue redelivers a failed job: Retry-After for rate limits,
 * otherwise exponential in the receive count with full jitter, capped.
 */
export const redeliveryDelayMs = (settings: PipelineSettings, error: JobError, receiveCount: number): number => {
  if (error._tag === 'RateLimited') return error.retryAfterMs;
  const exp = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, receiveCount - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
};
