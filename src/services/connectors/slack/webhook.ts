import { Effect, Option, Schema } from 'effect';
import type { ProviderOutcome, VerifiedDelivery } from '../../webhooks/delivery.js';
import { WebhookRejected } from '../../webhooks/errors.js';
import { type DeliveryPlan, NOTHING_TO_STORE } from '../../webhooks/follow-up-job.js';
import { webhookProvider } from '../../webhooks/provider.js';
import { textResponse, type WebhookRequest } from '../../webhooks/request.js';
import { decodeSlackMessageEvent, SlackEventsPayload } from './events.js';
import { slackEventItems } from './normalize.js';
import { slackSigning } from './signature.js';

/**
 * What a webhook needs from a connector's secret (`panops/<customer id>/<connector id>`
 * in Secrets Manager, the same secret that holds the connector's API token).
 * The provider account id is REQUIRED for Slack, Zoom and Teams and must match
 * the one in the signed payload: one PanOps Slack or Zoom app serves many
 * customers with one signing secret, so a valid signature alone does not say
 * whose workspace an event is from. A secret without it is refused as
 * misconfigured (the webhook answers 503 and stores nothing), never accepted.
 */
export const SlackWebhookCredentials = Schema.Struct({
  signingSecret: Schema.String.check(Schema.isMinLength(1)),
  /** The customer's Slack workspace (`team_id`). */
  teamId: Schema.String.check(Schema.isMinLength(1)),
});

const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(SlackEventsPayload));

/** Slack Events API: signature first, then the handshake or the event callback (deduplicated on `event_id`). */
export const authenticateSlack = (
  request: WebhookRequest,
  credentials: typeof SlackWebhookCredentials.Type,
  nowSeconds: number,
): Effect.Effect<ProviderOutcome, WebhookRejected> =>
  slackSigning.verify(credentials.signingSecret, { headers: request.headers, rawBody: request.body, nowSeconds }).pipe(
    Effect.andThen(() => decode(request.body)),
    Effect.mapError((e) =>
      e instanceof WebhookRejected
        ? e
        : new WebhookRejected({
            provider: 'slack',
            reason: 'malformed',
            detail: `not an Events API payload: ${e.message}`,
          }),
    ),
    Effect.map((payload): ProviderOutcome => {
      if (payload.type === 'url_verification')
        return { _tag: 'Respond', response: textResponse(200, payload.challenge) };
      return {
        _tag: 'Deliver',
        messageIds: [payload.event_id],
        accountId: payload.team_id,
        event: { _tag: 'SlackEvent', payload },
      };
    }),
  );

/** Slack's webhook: the workspace is `team_id`; Slack wants a 2xx within 3 s. */
/** A message event is stored at once; other event types we subscribe to (channel renames, member joins) are kept in the raw archive only. */
const plan = ({ event }: VerifiedDelivery): DeliveryPlan => {
  if (event._tag !== 'SlackEvent') return NOTHING_TO_STORE;
  const message = decodeSlackMessageEvent(event.payload.event);
  return {
    items: Option.isSome(message)
      ? slackEventItems(
          event.payload.team_id,
          message.value,
          new TextEncoder().encode(JSON.stringify(event.payload.event)),
        )
      : [],
    jobs: [],
  };
};

export const slackWebhook = webhookProvider({
  credentials: SlackWebhookCredentials,
  authenticate: authenticateSlack,
  plan,
  configuredAccount: (c) => c.teamId,
});
