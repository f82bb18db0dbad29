import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { Context, Effect, Layer, Schema } from 'effect';
import { type Transient, transientFrom } from '../pipeline/errors.js';
import { customerMessageSender } from './customer-message.js';

/** A transcription job: the body of a message on the transcription queue (consumed by the Whisper workers). */
export const TranscriptionJob = Schema.Struct({
  version: Schema.Literal(1),
  customerId: Schema.String,
  /** `recordings.id` of the row to transcribe into `transcript_segments`. */
  recordingId: Schema.String,
  communicationId: Schema.String,
  /** Content-addressed archive key of the media. */
  archiveKey: Schema.String,
  contentType: Schema.String,
});
export type TranscriptionJob = typeof TranscriptionJob.Type;

/** Where recordings are queued for transcription. */
export class TranscriptionJobs extends Context.Service<
  TranscriptionJobs,
  { readonly enqueue: (job: TranscriptionJob) => Effect.Effect<void, Transient> }
>()('panops/queue/TranscriptionJobs') {}

/** SQS: one message per recording, deduplicated downstream by `recordingId`. */
export const sqsTranscriptionJobsLayer = (options: { queueUrl: string; client?: SQSClientConfig }) =>
  Layer.effect(
    TranscriptionJobs,
    Effect.map(customerMessageSender(options), (send) =>
      TranscriptionJobs.of({
        enqueue: Effect.fn('TranscriptionJobs.enqueue')(function* (job: TranscriptionJob) {
          yield* send(job.customerId, JSON.stringify(job)).pipe(
            Effect.mapError(transientFrom('queue')('enqueueing transcription')),
          );
        }),
      }),
    ),
  );

/** In memory (local runs and tests): the jobs are kept for whoever reads them, e.g. a local transcriber. */
export const memoryTranscriptionJobsLayer = (sink: TranscriptionJob[] = []) =>
  Layer.succeed(TranscriptionJobs, {
    enqueue: (job) =>
      Effect.sync(() => {
        sink.push(job);
      }),
  });
