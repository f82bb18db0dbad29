import { createHash } from 'node:crypto';
import { Effect, Schema } from 'effect';
import type { ProviderOutcome, VerifiedDelivery, WebhookEvent } from '../../webhooks/delivery.js';
import type { WebhookRejected } from '../../webhooks/errors.js';
import { type DeliveryPlan, followUpJob, NOTHING_TO_STORE } from '../../webhooks/follow-up-job.js';
import { webhookProvider } from '../../webhooks/provider.js';
import { textResponse, type WebhookRequest, type WebhookResponse } from '../../webhooks/request.js';
import { type GraphNotification, graphValidationToken, verifyGraphNotifications } from './signature.js';

export const TeamsWebhookCredentials = Schema.Struct({
  /** The `clientState` we set on the Graph subscriptions of this connector. */
  clientState: Schema.String.check(Schema.isMinLength(16)),
  /** The customer's Entra tenant id: every notification of a batch must name it. */
  tenantId: Schema.String.check(Schema.isMinLength(1)),
});

/**
 * What tells one version of the notified resource from another: the etag when
 * Graph sends one, else the encrypted resource of a rich notification. A basic
 * chat message notification has neither (Graph's chatMessage notifications carry
 * only id, @odata.type and @odata.id), so two edits of one message produce
 * identical notifications: those get no replay key and are always delivered;
 * the fetch they trigger stores each message version once (keyed on its
 * lastModifiedDateTime), so a Graph retry costs one GET and stores nothing twice.
 */
const versionOf = (n: GraphNotification): string | undefined => {
  const etag = n.resourceData?.['@odata.etag'];
  if (etag) return `etag:${etag}`;
  if (n.encryptedContent)
    return `content:${createHash('sha256').update(JSON.stringify(n.encryptedContent)).digest('hex')}`;
  return undefined;
};

/** The replay key of one notification, or undefined when nothing distinguishes its versions. */
export const teamsNotificationKey = (n: GraphNotification): string | undefined => {
  if (n.lifecycleEvent)
    return [n.subscriptionId, n.lifecycleEvent, n.resource ?? '', n.subscriptionExpirationDateTime ?? ''].join('|');
  const version = versionOf(n);
  return version ? [n.subscriptionId, n.changeType ?? '', n.resource ?? '', version].join('|') : undefined;
};

/**
 * Microsoft Graph (Teams chat and channel messages): the subscription
 * validation echo, then notifications authenticated by clientState and tenant.
 * A notification's identity is its subscription, change, resource and version
 * (`teamsNotificationKey`): a redelivery of the same version is answered and not stored again.
 */
export const authenticateTeams = (
  request: WebhookRequest,
  credentials: typeof TeamsWebhookCredentials.Type,
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
      messageIds: notifications.map(teamsNotificationKey),
      accountId: notifications[0]?.tenantId,
      event: { _tag: 'TeamsNotifications' as const, notifications },
    })),
  );
};

/** Keeps only what was not delivered before (a Graph batch may mix new and redelivered notifications). */
const restrictTo = (event: WebhookEvent, fresh: ReadonlySet<number>): WebhookEvent =>
  event._tag === 'TeamsNotifications'
    ? { ...event, notifications: event.notifications.filter((_, i) => fresh.has(i)) }
    : event;

const accepted: WebhookResponse = { status: 202, headers: {}, body: '' };

/** Microsoft Graph's webhook: the account is the Entra tenant; Graph expects 202 Accepted. */
/** Notifications become one fetch job for the resources they name (and the lifecycle events they carry). */
const plan = (delivery: VerifiedDelivery): DeliveryPlan => {
  const { event } = delivery;
  if (event._tag !== 'TeamsNotifications') return NOTHING_TO_STORE;
  const resources = event.notifications.flatMap((n) =>
    n.resource && !n.lifecycleEvent ? [{ resource: n.resource, changeType: n.changeType ?? 'updated' }] : [],
  );
  const lifecycle = event.notifications.flatMap((n) => (n.lifecycleEvent ? [n.lifecycleEvent] : []));
  return {
    items: [],
    jobs:
      resources.length + lifecycle.length > 0
        ? [
            followUpJob(
              delivery,
              `teams-${delivery.receivedAt.getTime()}-${resources[0]?.resource ?? lifecycle[0]}`.slice(0, 128),
              {
                resources,
                lifecycle,
              },
            ),
          ]
        : [],
  };
};

export const teamsWebhook = webhookProvider({
  credentials: TeamsWebhookCredentials,
  authenticate: authenticateTeams,
  plan,
  configuredAccount: (c) => c.tenantId,
  answer: accepted,
  restrictTo,
});
