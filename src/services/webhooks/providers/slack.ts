import { Effect, Schema } from 'effect';
import { SlackEventsPayload } from '../../connectors/slack/events.js';
import type { WebhookCredentialsFor } from '../credentials.js';
import type { ProviderOutcome } from '../delivery.js';
import { WebhookRejected } from '../errors.js';
import { textResponse, type WebhookRequest } from '../request.js';
import { verifySlackSignature } from '../signatures/slack.js';

const decode = Schema.decodeUnknownEffect(Schema.fromJsonString(SlackEventsPayload));

/** Slack Events API: signature first, then the handshake or the event callback (deduplicated on `event_id`). */
export const authenticateSlack = (
  request: WebhookRequest,
  credentials: WebhookCredentialsFor['slack'],
  nowSeconds: number,
): Effect.Effect<ProviderOutcome, WebhookRejected> =>
  verifySlackSignature({
    signingSecret: credentials.signingSecret,
    headers: request.headers,
    rawBody: request.body,
    nowSeconds,
  }).pipe(
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
