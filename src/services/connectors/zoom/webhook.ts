import { Effect, Schema } from 'effect';
import type { ProviderOutcome, VerifiedDelivery } from '../../webhooks/delivery.js';
import { WebhookRejected } from '../../webhooks/errors.js';
import { type DeliveryPlan, followUpJob, NOTHING_TO_STORE } from '../../webhooks/follow-up-job.js';
import { webhookProvider } from '../../webhooks/provider.js';
import { jsonResponse, type WebhookRequest } from '../../webhooks/request.js';
import { ZoomWebhookPayload } from './events.js';
import { zoomSigning, zoomUrlValidation } from './signature.js';

export const ZoomWebhookCredentials = Schema.Struct({
  /** The app's webhook secret token (signs events and the URL validation). */
  webhookSecretToken: Schema.String.check(Schema.isMinLength(1)),
  /** The customer's Zoom account (`payload.account_id`). */
  accountId: Schema.String.check(Schema.isMinLength(1)),
});

const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(ZoomWebhookPayload));

const malformed = (detail: string) => new WebhookRejected({ provider: 'zoom', reason: 'malformed', detail });

/**
 * Zoom: every request, the URL validation included, must carry a valid
 * `x-zm-signature` (an unsigned challenge would make us a signing oracle).
 * `recording.completed` is deduplicated on the meeting instance (`uuid`);
 * other events on event name + timestamp + instance.
 */
export const authenticateZoom = (
  request: WebhookRequest,
  credentials: typeof ZoomWebhookCredentials.Type,
  nowSeconds: number,
): Effect.Effect<ProviderOutcome, WebhookRejected> =>
  Effect.gen(function* () {
    const secretToken = credentials.webhookSecretToken;
    yield* zoomSigning.verify(secretToken, { headers: request.headers, rawBody: request.body, nowSeconds });
    const payload = yield* decode(request.body).pipe(
      Effect.mapError((e) => malformed(`not a Zoom webhook payload: ${e.message}`)),
    );
    if (payload.event === 'endpoint.url_validation' && 'plainToken' in payload.payload) {
      const answer = yield* zoomUrlValidation(secretToken, payload.payload.plainToken as string);
      return { _tag: 'Respond', response: jsonResponse(200, answer) } as const;
    }
    if (payload.event === 'recording.completed' && 'object' in payload.payload) {
      // The event travels as Zoom sent it (the schema only checked it): fields it does not name, such as
      // participant_audio_files, reach the connector.
      const completed = JSON.parse(request.body) as Extract<typeof payload, { event: 'recording.completed' }>;
      return {
        _tag: 'Deliver',
        messageIds: [`recording.completed:${completed.payload.object.uuid}`],
        accountId: completed.payload.account_id,
        event: { _tag: 'ZoomRecordingCompleted', payload: completed },
      } as const;
    }
    const other = payload as { event: string; event_ts: number; payload: { account_id?: string } };
    return {
      _tag: 'Deliver',
      messageIds: [`${other.event}:${other.event_ts}`],
      accountId: other.payload.account_id,
      event: { _tag: 'ZoomEvent', event: other.event },
    } as const;
  });

/** Zoom's webhook: the account is `payload.account_id`. */
/** recording.completed becomes a download job (with the event's download token); other events are archived only. */
const plan = (delivery: VerifiedDelivery): DeliveryPlan => {
  const { event } = delivery;
  if (event._tag !== 'ZoomRecordingCompleted') return NOTHING_TO_STORE;
  return {
    items: [],
    jobs: [
      followUpJob(delivery, `zoom-recording-${event.payload.payload.object.uuid}`, {
        meeting: event.payload.payload.object,
        ...(event.payload.download_token ? { downloadToken: event.payload.download_token } : {}),
      }),
    ],
  };
};

export const zoomWebhook = webhookProvider({
  credentials: ZoomWebhookCredentials,
  authenticate: authenticateZoom,
  plan,
  configuredAccount: (c) => c.accountId,
});
