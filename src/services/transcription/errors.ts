import { Schema } from 'effect';

/**
 * Why a recording cannot be transcribed. Each goes to the dead-letter queue
 * with its reason: retrying the same bytes can never succeed.
 */

/** The bytes claim a format but break its rules (bad WAV header, no data, truncated chunk). */
export class AudioCorrupt extends Schema.TaggedError<AudioCorrupt>()('AudioCorrupt', {
  recordingId: Schema.String,
  reason: Schema.String,
}) {}

/** A container we cannot split or the Whisper server cannot read. */
export class AudioUnsupported extends Schema.TaggedError<AudioUnsupported>()('AudioUnsupported', {
  recordingId: Schema.String,
  /** Detected format (`mp3`, `mp4`, `unknown`...). */
  format: Schema.String,
  reason: Schema.String,
}) {}

/** The Whisper server refused the audio (vLLM: 400 "Invalid or unsupported audio file"). */
export class AudioRejected extends Schema.TaggedError<AudioRejected>()('AudioRejected', {
  recordingId: Schema.String,
  /** Which piece of a split recording (0 when not split). */
  piece: Schema.Number,
  status: Schema.Number,
  detail: Schema.String,
}) {}

export type AudioError = AudioCorrupt | AudioUnsupported | AudioRejected;
