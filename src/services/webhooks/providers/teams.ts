import { Effect } from 'effect';
import type { WebhookCredentialsFor } from '../credentials.js';
import type { ProviderOutcome } from '../delivery.js';
import type { WebhookRejected } from '../errors.js';
import { textResponse, type WebhookRequest } from '../request.js';
import { graphValidationToken, verifyGraphNotifications } from '../signatures/graph.js';

/**
 * Microsoft Graph (Teams chat and channel messages): the subscription
 * validation echo, then notifications authenticated by clientState and tenant.
 * A notification's identity is its subscription, change and resource (and the
 * etag when Graph sends one): a redelivery of the same change is a replay.
 */
export const authenticateTeams = (
  request: WebhookRequest,
  credentials: WebhookCredentialsFor['teams'],
): Effect.Effect<ProviderOutcome, WebhookRejected> => {
  const token = graphValidationToken(request.query);
  if (token !== undefined) return Effect.succeed({ _tag: 'Respond', response: textResponse(200, token) });
  return verifyGraphNotifications({
    clientState: credentials.clientState,
    ...(credentials.tenantId ? { tenantId: credentials.tenantId } : {}),
    rawBody: request.body,
  }).pipe(
    Effect.map((notifications) => ({
      _tag: 'Deliver' as const,
      messageIds: notifications.map((n) =>
        [
          n.subscriptionId,
          n.lifecycleEvent ?? n.changeType ?? '',
          n.resource ?? '',
          n.resourceData?.['@odata.etag'] ?? '',
        ].join('|'),
      ),
      accountId: notifications[0]?.tenantId,
      event: { _tag: 'TeamsNotifications' as const, notifications },
    })),
  );
};
