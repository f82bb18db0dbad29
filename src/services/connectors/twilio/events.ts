import { Schema } from 'effect';

/** Inbound SMS/MMS webhook parameters (https://www.twilio.com/docs/messaging/guides/webhook-request). */
export const TwilioInboundMessage = Schema.Struct({
  MessageSid: Schema.String.check(Schema.isPattern(/^(SM|MM)[0-9a-fA-F]{32}$/)),
  AccountSid: Schema.String.check(Schema.isPattern(/^AC[0-9a-fA-F]{32}$/)),
  From: Schema.String,
  To: Schema.String,
  Body: Schema.optionalKey(Schema.String),
  NumMedia: Schema.optionalKey(Schema.String),
  MessagingServiceSid: Schema.optionalKey(Schema.String),
});
export type TwilioInboundMessage = typeof TwilioInboundMessage.Type;

/** Voice recording status callback parameters (https://www.twilio.com/docs/voice/api/recording#recordingstatuscallback). */
export const TwilioRecordingStatus = Schema.Struct({
  AccountSid: Schema.String.check(Schema.isPattern(/^AC[0-9a-fA-F]{32}$/)),
  CallSid: Schema.String.check(Schema.isPattern(/^CA[0-9a-fA-F]{32}$/)),
  RecordingSid: Schema.String.check(Schema.isPattern(/^RE[0-9a-fA-F]{32}$/)),
  RecordingUrl: Schema.String,
  RecordingStatus: Schema.String,
  RecordingDuration: Schema.optionalKey(Schema.String),
  RecordingChannels: Schema.optionalKey(Schema.String),
  RecordingStartTime: Schema.optionalKey(Schema.String),
  RecordingSource: Schema.optionalKey(Schema.String),
});
export type TwilioRecordingStatus = typeof TwilioRecordingStatus.Type;

/** MediaUrl0..MediaUrlN of an MMS. */
export const mediaUrls = (params: Readonly<Record<string, string>>): string[] =>
  Array.from({ length: Number(params.NumMedia ?? '0') || 0 }, (_, i) => params[`MediaUrl${i}`]).filter(
    (u): u is string => typeof u === 'string',
  );
