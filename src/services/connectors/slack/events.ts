import { Schema } from 'effect';

/**
 * Slack Events API payloads (https://api.slack.com/apis/events-api): the
 * `url_verification` handshake and the `event_callback` envelope around a
 * message event. Only the fields we use are declared; unknown fields pass.
 */
export const SlackMessage = Schema.Struct({
  type: Schema.Literal('message'),
  subtype: Schema.optionalKey(Schema.String),
  channel: Schema.optionalKey(Schema.String),
  user: Schema.optionalKey(Schema.String),
  bot_id: Schema.optionalKey(Schema.String),
  text: Schema.optionalKey(Schema.String),
  ts: Schema.String,
  thread_ts: Schema.optionalKey(Schema.String),
  /** On a thread's parent: how many replies it has (fetched with `conversations.replies`). */
  reply_count: Schema.optionalKey(Schema.Number),
  edited: Schema.optionalKey(Schema.Struct({ user: Schema.optionalKey(Schema.String), ts: Schema.String })),
  files: Schema.optionalKey(Schema.Array(Schema.Unknown)),
  /** Block Kit content: the only text of a block-only message. */
  blocks: Schema.optionalKey(Schema.Unknown),
});
export type SlackMessage = typeof SlackMessage.Type;

/** A `message` event: a new message, or (subtype) an edit or a deletion of an earlier one. */
export const SlackMessageEvent = Schema.Struct({
  ...SlackMessage.fields,
  channel: Schema.String,
  channel_type: Schema.optionalKey(Schema.String),
  event_ts: Schema.optionalKey(Schema.String),
  /** `message_changed`: the message as it is now. */
  message: Schema.optionalKey(SlackMessage),
  /** `message_changed` / `message_deleted`: the message as it was. */
  previous_message: Schema.optionalKey(SlackMessage),
  /** `message_deleted`: the `ts` of the deleted message. */
  deleted_ts: Schema.optionalKey(Schema.String),
});
export type SlackMessageEvent = typeof SlackMessageEvent.Type;

export const SlackUrlVerification = Schema.Struct({
  type: Schema.Literal('url_verification'),
  challenge: Schema.String,
});

export const SlackEventCallback = Schema.Struct({
  type: Schema.Literal('event_callback'),
  team_id: Schema.String,
  api_app_id: Schema.optionalKey(Schema.String),
  event_id: Schema.String,
  event_time: Schema.Number,
  /** Kept whole (a Struct would drop the fields it does not name); decoded by type where used. */
  event: Schema.Record(Schema.String, Schema.Unknown),
});
export type SlackEventCallback = typeof SlackEventCallback.Type;

export const SlackEventsPayload = Schema.Union([SlackUrlVerification, SlackEventCallback]);
export type SlackEventsPayload = typeof SlackEventsPayload.Type;

export const decodeSlackMessageEvent = Schema.decodeUnknownOption(SlackMessageEvent);
