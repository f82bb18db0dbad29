import { Effect, Option, Schema } from 'effect';
import type { ProviderOutcome, VerifiedDelivery } from '../../webhooks/delivery.js';
import { WebhookRejected } from '../../webhooks/errors.js';
import { type DeliveryPlan, followUpJob, NOTHING_TO_STORE } from '../../webhooks/follow-up-job.js';
import { webhookProvider } from '../../webhooks/provider.js';
import type { WebhookRequest, WebhookResponse } from '../../webhooks/request.js';
import { TwilioInboundMessage, TwilioRecordingStatus } from './events.js';
import { twilioMessageItem } from './normalize.js';
import { verifyTwilioSignature } from './signature.js';

export const TwilioWebhookCredentials = Schema.Struct({
  authToken: Schema.String.check(Schema.isMinLength(1)),
  /** The customer's Twilio account or subaccount (`AccountSid`). */
  accountSid: Schema.optionalKey(Schema.String),
  /** Public URL prefix the webhook was registered with, when a custom domain fronts the API. */
  publicBaseUrl: Schema.optionalKey(Schema.String),
});

const asMessage = Schema.decodeUnknownOption(TwilioInboundMessage);
const asRecording = Schema.decodeUnknownOption(TwilioRecordingStatus);

/**
 * The URL Twilio signed: the one registered at Twilio. Behind a custom domain
 * the URL API Gateway sees differs, so a configured public base URL wins.
 */
const signedUrl = (request: WebhookRequest, publicBaseUrl: string | undefined): string => {
  if (!publicBaseUrl) return request.url;
  const seen = new URL(request.url);
  return `${publicBaseUrl.replace(/\/$/, '')}${seen.pathname.slice(seen.pathname.indexOf('/webhooks/'))}${seen.search}`;
};

/** Twilio: SMS/MMS webhooks (deduplicated on MessageSid) and recording status callbacks (on RecordingSid). */
export const authenticateTwilio = (
  request: WebhookRequest,
  credentials: typeof TwilioWebhookCredentials.Type,
): Effect.Effect<ProviderOutcome, WebhookRejected> =>
  Effect.gen(function* () {
    yield* verifyTwilioSignature({
      authToken: credentials.authToken,
      url: signedUrl(request, credentials.publicBaseUrl),
      headers: request.headers,
      rawBody: request.body,
    });
    const params = Object.fromEntries(new URLSearchParams(request.body).entries());
    const recording = asRecording(params);
    if (Option.isSome(recording)) {
      if (recording.value.RecordingStatus !== 'completed')
        // Twilio reports `in-progress` and `absent` too; only a completed recording can be fetched.
        return {
          _tag: 'Deliver',
          messageIds: [`${recording.value.RecordingSid}:${recording.value.RecordingStatus}`],
          accountId: recording.value.AccountSid,
          event: { _tag: 'TwilioRecording', params: recording.value },
        } as const;
      return {
        _tag: 'Deliver',
        messageIds: [recording.value.RecordingSid],
        accountId: recording.value.AccountSid,
        event: { _tag: 'TwilioRecording', params: recording.value },
      } as const;
    }
    const message = asMessage(params);
    if (Option.isSome(message))
      return {
        _tag: 'Deliver',
        messageIds: [message.value.MessageSid],
        accountId: message.value.AccountSid,
        event: { _tag: 'TwilioMessage', params: message.value, all: params },
      } as const;
    return yield* new WebhookRejected({
      provider: 'twilio',
      reason: 'malformed',
      detail: 'neither an inbound message (MessageSid) nor a recording status callback (RecordingSid)',
    });
  });

/** An empty TwiML document: store, and do not reply to the sender. */
const emptyTwiml: WebhookResponse = {
  status: 200,
  headers: { 'content-type': 'text/xml' },
  body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
};

/** Twilio's webhook: the auth token is the account's own, so the secret may omit `accountSid`. */
/** An SMS/MMS is stored at once; a completed recording becomes a download job. */
const plan = (delivery: VerifiedDelivery): DeliveryPlan => {
  const { event } = delivery;
  if (event._tag === 'TwilioMessage')
    return { items: [twilioMessageItem(event.params, event.all, delivery.receivedAt)], jobs: [] };
  if (event._tag === 'TwilioRecording' && event.params.RecordingStatus === 'completed')
    return {
      items: [],
      jobs: [followUpJob(delivery, `twilio-recording-${event.params.RecordingSid}`, { recording: event.params })],
    };
  return NOTHING_TO_STORE;
};

export const twilioWebhook = webhookProvider({
  credentials: TwilioWebhookCredentials,
  authenticate: authenticateTwilio,
  plan,
  configuredAccount: (c) => c.accountSid,
  accountOptional: true,
  answer: emptyTwiml,
});
