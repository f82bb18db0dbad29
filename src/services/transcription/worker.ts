import { Context, type Duration, Effect, Layer, Schedule, Schema, Stream } from 'effect';
import { ArchiveStore } from '../archive/archive-store.js';
import type { TenantSqlError } from '../db/errors.js';
import { TenantSql } from '../db/tenant-sql.js';
import type { InferenceCallError } from '../inference/errors.js';
import { type CustomerRef, type IndexError, Indexer } from '../inference/indexer.js';
import { InferenceSettingsRef, inferenceFor } from '../inference/settings.js';
import type { BadPayload, Transient } from '../pipeline/errors.js';
import { TranscriptionJob } from '../queue/transcription-jobs.js';
import { defaultSplitLimits, type SplitLimits, sniffAudioFormat, splitAudio } from './audio-splitter.js';
import { type AudioCorrupt, AudioRejected, type AudioUnsupported } from './errors.js';
import { findRecording, insertPieceSegments, markRecording, storedPieces } from './segment-store.js';
import { ffmpegToWav, type TranscoderOptions, transcodeToWav } from './transcoder.js';
import { Whisper } from './whisper.js';

/** The job names a customer or recording this worker does not know: dead-letter. */
export class TranscriptionJobInvalid extends Schema.TaggedError<TranscriptionJobInvalid>()('TranscriptionJobInvalid', {
  reason: Schema.String,
}) {}

export type TranscriptionError =
  | AudioCorrupt
  | AudioUnsupported
  | AudioRejected
  | TranscriptionJobInvalid
  | InferenceCallError
  | TenantSqlError
  | IndexError
  | Transient
  | BadPayload;

/** What the queue consumer does with the message. */
export type Disposition =
  | { readonly _tag: 'Ack'; readonly outcome: TranscriptionOutcome }
  /** Leave the message: it becomes visible again and is retried (the queue dead-letters after 3 receives). */
  | { readonly _tag: 'Retry'; readonly reason: string }
  | { readonly _tag: 'DeadLetter'; readonly reason: string };

export interface TranscriptionOutcome {
  readonly recordingId: string;
  /** Pieces sent to Whisper by this run (0 when everything was stored already). */
  readonly piecesTranscribed: number;
  readonly piecesSkipped: number;
  readonly segmentsStored: number;
  readonly chunks: number;
}

/** Permanent failures go to the DLQ with their reason; the rest are retried by the queue. */
export const dispositionFor = (error: TranscriptionError): Disposition => {
  switch (error._tag) {
    case 'AudioCorrupt':
      return { _tag: 'DeadLetter', reason: `corrupt audio: ${error.reason}` };
    case 'AudioUnsupported':
      return { _tag: 'DeadLetter', reason: `unsupported audio (${error.format}): ${error.reason}` };
    case 'AudioRejected':
      return { _tag: 'DeadLetter', reason: `Whisper refused piece ${error.piece} (${error.status}): ${error.detail}` };
    case 'TranscriptionJobInvalid':
      return { _tag: 'DeadLetter', reason: error.reason };
    case 'BadPayload':
      return { _tag: 'DeadLetter', reason: `${error.subject}: ${error.reason}` };
    case 'InferenceRejected':
      return { _tag: 'DeadLetter', reason: `inference server refused the request (${error.status}): ${error.detail}` };
    case 'InferenceResponseInvalid':
    case 'EmbeddingDimensionMismatch':
    case 'DatabaseQueryError':
    case 'InvalidCustomerIdError':
    case 'TenantIsolationError':
      return { _tag: 'DeadLetter', reason: `${error._tag}: ${error.message}` };
    default:
      return { _tag: 'Retry', reason: `${error._tag}: ${error.message}` };
  }
};

/** Extends the message's visibility; called on a timer while the job runs and before each retry wait. */
export interface JobHooks {
  readonly extendVisibility: Effect.Effect<void>;
}

export interface TranscriptionWorkerOptions {
  /** Customers this worker serves (from the blueprint): the Whisper model comes from here. */
  readonly customers: ReadonlyArray<CustomerRef>;
  readonly splitLimits?: SplitLimits;
  /** Decodes compressed recordings too large for one request to WAV (then split at pauses); `false`: refuse them. @default ffmpeg */
  readonly transcoder?: TranscoderOptions | false;
  /** How often to extend the message's visibility while a job runs. @default 5 minutes (visibility is 30) */
  readonly heartbeat?: Duration.Input;
}

/**
 * Consumes transcription jobs: streams the recording from the customer's
 * archive, cuts it into pieces Whisper accepts, transcribes the pieces not yet
 * stored, writes each piece's segments in one tenant transaction, marks the
 * recording done, then chunks and embeds the transcript. Re-running a job
 * (redelivery, crash, retry) writes nothing twice and re-sends no stored piece.
 */
export class TranscriptionWorker extends Context.Service<
  TranscriptionWorker,
  {
    process(job: TranscriptionJob, hooks?: JobHooks): Effect.Effect<TranscriptionOutcome, TranscriptionError>;
    /** Decodes an SQS body, processes it, and says what to do with the message. Never fails. */
    handleMessage(body: string, hooks?: JobHooks): Effect.Effect<Disposition>;
  }
>()('panops/transcription/TranscriptionWorker') {
  static readonly layer = (options: TranscriptionWorkerOptions) =>
    Layer.effect(
      TranscriptionWorker,
      Effect.gen(function* () {
        const db = yield* TenantSql;
        const archive = yield* ArchiveStore;
        const whisper = yield* Whisper;
        const indexer = yield* Indexer;
        const sql = db.sql;
        const customers = new Map(options.customers.map((c) => [c.id.toLowerCase(), c]));
        const limits = options.splitLimits ?? defaultSplitLimits;

        const run = (job: TranscriptionJob, hooks: JobHooks) =>
          Effect.gen(function* () {
            const customer = customers.get(job.customerId.toLowerCase());
            if (!customer) {
              return yield* new TranscriptionJobInvalid({ reason: `customer ${job.customerId} is not served here` });
            }
            const config = inferenceFor(yield* InferenceSettingsRef, customer);
            const model = config.whisperModel;

            const state = yield* db.withCustomer(
              job.customerId,
              Effect.gen(function* () {
                const recording = yield* findRecording(sql, job.recordingId);
                if (!recording) return undefined;
                const done = yield* storedPieces(sql, job.recordingId, model);
                if (recording.transcription_status !== 'done')
                  yield* markRecording(sql, job.recordingId, 'in_progress');
                return { recording, done };
              }),
            );
            if (!state) {
              return yield* new TranscriptionJobInvalid({ reason: `recording ${job.recordingId} does not exist` });
            }

            let piecesTranscribed = 0;
            let piecesSkipped = 0;
            let segmentsStored = 0;
            let durationSeconds = 0;
            if (state.recording.transcription_status !== 'done') {
              const bytes = yield* archive.get(job.customerId, state.recording.object_key || job.archiveKey);
              const format = sniffAudioFormat(bytes.subarray(0, 16));
              const transcoder = options.transcoder === undefined ? ffmpegToWav : options.transcoder;
              const source =
                transcoder && format !== 'wav' && format !== 'unknown' && bytes.length > limits.maxBytes
                  ? transcodeToWav(job.recordingId, format, bytes, transcoder)
                  : Stream.succeed(bytes);
              yield* splitAudio(job.recordingId, source, limits).pipe(
                Stream.runForEach((piece) =>
                  Effect.gen(function* () {
                    durationSeconds = piece.offsetSeconds + (piece.durationSeconds ?? 0);
                    if (state.done.has(piece.index)) {
                      piecesSkipped++;
                      return;
                    }
                    const transcript = yield* whisper
                      .transcribe(piece, { endpoint: config.whisper, model, onRetry: hooks.extendVisibility })
                      .pipe(
                        Effect.catchTag('InferenceRejected', (e) =>
                          Effect.fail(
                            new AudioRejected({
                              recordingId: job.recordingId,
                              piece: piece.index,
                              status: e.status,
                              detail: e.detail,
                            }),
                          ),
                        ),
                      );
                    yield* db.withCustomer(
                      job.customerId,
                      insertPieceSegments(
                        sql,
                        job.customerId,
                        job.recordingId,
                        model,
                        piece.index,
                        transcript.segments,
                      ),
                    );
                    piecesTranscribed++;
                    segmentsStored += transcript.segments.length;
                  }),
                ),
              );
              yield* db.withCustomer(
                job.customerId,
                markRecording(sql, job.recordingId, 'done', durationSeconds > 0 ? { durationSeconds } : {}),
              );
            }
            // Also after an earlier run that stopped between "done" and indexing.
            const indexed = yield* indexer.indexRecording(customer, job.recordingId);
            return {
              recordingId: job.recordingId,
              piecesTranscribed,
              piecesSkipped,
              segmentsStored,
              chunks: indexed.chunks,
            };
          });

        const process = Effect.fn('TranscriptionWorker.process')(function* (
          job: TranscriptionJob,
          hooks: JobHooks = { extendVisibility: Effect.void },
        ) {
          const heartbeat = options.heartbeat ?? '5 minutes';
          // The heartbeat runs beside the job and stops with it.
          return yield* Effect.scoped(
            Effect.gen(function* () {
              yield* Effect.forkScoped(
                hooks.extendVisibility.pipe(Effect.delay(heartbeat), Effect.repeat(Schedule.spaced(heartbeat))),
              );
              return yield* run(job, hooks);
            }),
          ).pipe(
            Effect.tapError((error) => {
              const disposition = dispositionFor(error);
              if (disposition._tag !== 'DeadLetter' || error._tag === 'TranscriptionJobInvalid') return Effect.void;
              // Record why, so the recording shows as failed rather than stuck in progress.
              return db
                .withCustomer(
                  job.customerId,
                  markRecording(sql, job.recordingId, 'failed', { error: disposition.reason }),
                )
                .pipe(Effect.ignore);
            }),
          );
        });

        const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(TranscriptionJob));
        const handleMessage = Effect.fn('TranscriptionWorker.handleMessage')(function* (
          body: string,
          hooks?: JobHooks,
        ) {
          const job = yield* decode(body).pipe(Effect.result);
          if (job._tag === 'Failure') {
            return { _tag: 'DeadLetter', reason: `malformed transcription job: ${job.failure.message}` } as Disposition;
          }
          const result = yield* process(job.success, hooks).pipe(Effect.result);
          if (result._tag === 'Success') return { _tag: 'Ack', outcome: result.success } as Disposition;
          const disposition = dispositionFor(result.failure);
          const reason = disposition._tag === 'Ack' ? '' : disposition.reason;
          yield* Effect.logWarning(`transcription job ${job.success.recordingId}: ${disposition._tag}: ${reason}`);
          return disposition;
        });

        return TranscriptionWorker.of({ process, handleMessage });
      }),
    );
}
