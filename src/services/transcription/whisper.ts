import { Context, Effect, Layer, Schema } from 'effect';
import { HttpClient } from 'effect/http';
import type { InferenceCallError } from '../inference/errors.js';
import { type Endpoint, postOpenAi, withInferenceRetry } from '../inference/openai-http.js';
import { InferenceSettingsRef } from '../inference/settings.js';
import type { AudioPiece } from './audio-splitter.js';

/** vLLM serializes `duration` as a string; OpenAI as a number. */
const Seconds = Schema.Union([Schema.Number, Schema.NumberFromString]);

/** `response_format=verbose_json`: the text plus segments with start/end times (seconds from the start of the file sent). */
const VerboseTranscription = Schema.Struct({
  language: Schema.optional(Schema.String),
  duration: Schema.optional(Seconds),
  text: Schema.String,
  segments: Schema.Array(
    Schema.Struct({
      start: Schema.Number,
      end: Schema.Number,
      text: Schema.String,
      avg_logprob: Schema.optional(Schema.Number),
      no_speech_prob: Schema.optional(Schema.Number),
    }),
  ),
});

/** One segment, its times already shifted to the whole recording. */
export interface TranscribedSegment {
  readonly startSeconds: number;
  readonly endSeconds: number;
  readonly text: string;
  readonly avgLogprob: number | undefined;
  readonly noSpeechProb: number | undefined;
}

export interface PieceTranscript {
  readonly piece: number;
  readonly language: string | undefined;
  readonly segments: ReadonlyArray<TranscribedSegment>;
}

export interface TranscribeOptions {
  readonly endpoint: Endpoint;
  /** Server-side model name, e.g. `openai/whisper-large-v3`. */
  readonly model: string;
  /** ISO-639-1 hint; Whisper detects the language when absent. */
  readonly language?: string;
  /** Runs before each retry wait (the worker extends the message's visibility there). */
  readonly onRetry?: Effect.Effect<void>;
}

/**
 * `POST /v1/audio/transcriptions` (multipart, `response_format=verbose_json`)
 * for one piece of a recording. Segment times come back relative to the piece
 * and are shifted by its offset here, so callers only see recording time.
 * Retries 503s, timeouts and dropped connections for as long as the Whisper
 * retry policy allows (the fleet may be starting from zero).
 */
export class Whisper extends Context.Service<
  Whisper,
  { transcribe(piece: AudioPiece, options: TranscribeOptions): Effect.Effect<PieceTranscript, InferenceCallError> }
>()('panops/transcription/Whisper') {
  static readonly layer = Layer.effect(
    Whisper,
    Effect.gen(function* () {
      const http = yield* HttpClient.HttpClient;
      const transcribe = Effect.fn('Whisper.transcribe')(function* (piece: AudioPiece, options: TranscribeOptions) {
        const settings = yield* InferenceSettingsRef;
        // A fresh form per attempt: a FormData body is consumed by the request that sends it.
        const send = Effect.suspend(() => {
          const form = new FormData();
          form.set(
            'file',
            new Blob([piece.bytes as Uint8Array<ArrayBuffer>], { type: piece.contentType }),
            piece.filename,
          );
          form.set('model', options.model);
          form.set('response_format', 'verbose_json');
          form.append('timestamp_granularities[]', 'segment');
          form.set('temperature', '0');
          if (options.language) form.set('language', options.language);
          return postOpenAi(options.endpoint, '/audio/transcriptions', { form }, VerboseTranscription, {
            timeoutMs: settings.timeoutsMs.whisper,
          });
        });
        const response = yield* send.pipe(
          withInferenceRetry(settings.whisperRetry, options.onRetry),
          Effect.provideService(HttpClient.HttpClient, http),
        );
        const segments = response.segments
          .map((s) => ({
            startSeconds: round3(piece.offsetSeconds + s.start),
            endSeconds: round3(piece.offsetSeconds + s.end),
            text: s.text.trim(),
            avgLogprob: s.avg_logprob,
            noSpeechProb: s.no_speech_prob,
          }))
          .filter((s) => s.text !== '');
        return { piece: piece.index, language: response.language, segments };
      });
      return Whisper.of({ transcribe });
    }),
  );
}

/** Millisecond precision: enough for citations, and stable across float sums. */
const round3 = (seconds: number) => Math.round(seconds * 1000) / 1000;
