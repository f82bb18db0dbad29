import { Effect } from 'effect';
import { JobQueue, type ReceivedMessage } from '../queue/job-queue.js';
import { type Disposition, TranscriptionWorker } from './worker.js';

/**
 * The transcription queue's consumer on the Whisper GPU instances: the
 * pipeline's `JobQueue` (an `sqsJobQueueLayer` on the transcription queue and
 * its DLQ) drives `TranscriptionWorker.handleMessage`. Visibility is renewed
 * while a job runs and before every retry wait, so a fleet scaling from zero
 * keeps the job; acknowledged and dead-lettered messages are deleted;
 * retried ones are left to come back (SQS dead-letters after 3 receives).
 */
export const handleTranscriptionMessage = (message: ReceivedMessage) =>
  Effect.gen(function* () {
    const queue = yield* JobQueue;
    const worker = yield* TranscriptionWorker;
    const extendVisibility = queue
      .setVisibility(message, queue.visibilityTimeoutSeconds)
      .pipe(Effect.catch((e) => Effect.logWarning(`visibility extension failed: ${e.detail}`)));
    const disposition = yield* worker.handleMessage(message.body, { extendVisibility });
    if (disposition._tag === 'DeadLetter') {
      const sent = yield* queue.deadLetter(message, disposition.reason).pipe(
        Effect.as(true),
        Effect.catch((e) =>
          Effect.logError(`could not dead-letter ${message.messageId}: ${e.detail}`).pipe(Effect.as(false)),
        ),
      );
      // Not sent: leave it, and the redrive policy moves it after its third receive.
      if (!sent) return { message, disposition: { _tag: 'Retry', reason: disposition.reason } as Disposition };
    }
    return { message, disposition };
  }).pipe(Effect.annotateLogs({ messageId: message.messageId, receiveCount: message.receiveCount }));

/** One long-poll round: receive, process one at a time (one GPU per instance), delete what is done. */
export const pollTranscriptionQueueOnce = Effect.gen(function* () {
  const queue = yield* JobQueue;
  const messages = yield* queue.receive;
  const results = yield* Effect.forEach(messages, handleTranscriptionMessage);
  const done = results.filter((r) => r.disposition._tag !== 'Retry').map((r) => r.message);
  yield* queue
    .delete(done)
    .pipe(Effect.catch((e) => Effect.logWarning(`delete failed; will be redelivered and skipped: ${e.detail}`)));
  return results.map((r) => r.disposition);
});

/** The worker loop: poll until interrupted (Spot reclaim: SIGTERM ends it after the message in hand). */
export const runTranscriptionConsumer = pollTranscriptionQueueOnce.pipe(
  Effect.catch((e) => Effect.logWarning(`receive failed: ${e.detail}`).pipe(Effect.andThen(Effect.sleep('5 seconds')))),
  Effect.forever,
);
