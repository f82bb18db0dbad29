import { Schema } from 'effect';

/** One file of a cloud recording (Zoom `recording_files[]`, in webhooks and in `GET /users/{id}/recordings`). */
export const ZoomRecordingFile = Schema.Struct({
  id: Schema.optionalKey(Schema.String),
  meeting_id: Schema.optionalKey(Schema.String),
  recording_start: Schema.optionalKey(Schema.String),
  recording_end: Schema.optionalKey(Schema.String),
  file_type: Schema.String,
  file_extension: Schema.optionalKey(Schema.String),
  file_size: Schema.optionalKey(Schema.Number),
  /** Absent in some deliveries (Zoom's docs mark it optional); the connector then asks the recordings API for it. */
  download_url: Schema.optionalKey(Schema.String),
  status: Schema.optionalKey(Schema.String),
  recording_type: Schema.optionalKey(Schema.String),
});
export type ZoomRecordingFile = typeof ZoomRecordingFile.Type;

/** One meeting's recordings (the `object` of `recording.completed`, an item of `meetings[]` in the list). */
export const ZoomMeetingRecording = Schema.Struct({
  uuid: Schema.String,
  id: Schema.Union([Schema.Number, Schema.String]),
  account_id: Schema.optionalKey(Schema.String),
  host_id: Schema.String,
  host_email: Schema.optionalKey(Schema.String),
  topic: Schema.optionalKey(Schema.String),
  start_time: Schema.String,
  duration: Schema.optionalKey(Schema.Number),
  total_size: Schema.optionalKey(Schema.Number),
  recording_count: Schema.optionalKey(Schema.Number),
  recording_files: Schema.Array(ZoomRecordingFile),
  /** Per-participant audio (when "record a separate audio file of each participant" is on): archived like the rest. */
  participant_audio_files: Schema.optionalKey(Schema.Array(ZoomRecordingFile)),
});
export type ZoomMeetingRecording = typeof ZoomMeetingRecording.Type;

/** Zoom's `endpoint.url_validation` challenge. */
export const ZoomUrlValidation = Schema.Struct({
  event: Schema.Literal('endpoint.url_validation'),
  payload: Schema.Struct({ plainToken: Schema.String }),
});

/** `recording.completed` (https://developers.zoom.us/docs/api/meetings/events/#tag/recording/POST/recording.completed). */
export const ZoomRecordingCompleted = Schema.Struct({
  event: Schema.Literal('recording.completed'),
  event_ts: Schema.Number,
  /** Lets us download the files for 24 hours without an OAuth token. */
  download_token: Schema.optionalKey(Schema.String),
  payload: Schema.Struct({ account_id: Schema.String, object: ZoomMeetingRecording }),
});
export type ZoomRecordingCompleted = typeof ZoomRecordingCompleted.Type;

/** Any other event: authenticated and archived raw, nothing else. */
export const ZoomOtherEvent = Schema.Struct({
  event: Schema.String,
  event_ts: Schema.Number,
  payload: Schema.Struct({ account_id: Schema.optionalKey(Schema.String) }),
});

export const ZoomWebhookPayload = Schema.Union([ZoomUrlValidation, ZoomRecordingCompleted, ZoomOtherEvent]);
