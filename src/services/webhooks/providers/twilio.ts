import { Effect, Option, Schema } from 'effect';
import { TwilioInboundMessage, TwilioRecordingStatus } from '../../connectors/twilio/events.js';
import type { WebhookCredentialsFor } from '../credentials.js';
import type { ProviderOutcome } from '../delivery.js';
import { WebhookRejected } from '../errors.js';
import type { WebhookRequest } from '../request.js';
import { verifyTwilioSignature } from '../signatures/twilio.js';

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
  credentials: WebhookCredentialsFor['twilio'],
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
