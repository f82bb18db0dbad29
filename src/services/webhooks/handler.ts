import { Clock, Effect } from 'effect';
import { WEBHOOKS } from '../connectors/providers.js';
import { type ProviderOutcome, WebhookIntake } from './delivery.js';
import { type RejectionReason, statusFor, WebhookRejected } from './errors.js';
import type { WebhookProviderSpec } from './provider.js';
import { ReplayGuard, replayKey } from './replay-guard.js';
import { jsonResponse, type WebhookRequest } from './request.js';
import { parseRoute, type WebhookRoute } from './route.js';
import { WebhookSecrets } from './secrets.js';

/** No provider sends more than this in one webhook (Slack and Graph batches are far smaller). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const rejected = (provider: string, reason: RejectionReason, detail: string) =>
  new WebhookRejected({ provider, reason, detail });

/** The provider's webhook, typed loosely: the route names it, and its credentials were decoded by its own schema. */
const webhookOf = (route: WebhookRoute) => WEBHOOKS[route.provider] as unknown as WebhookProviderSpec<unknown>;

/**
 * One webhook request, start to end: route → the connector's secret →
 * signature, freshness and payload → provider account check → replay guard →
 * store → answer. Anything refused gets a 4xx with its reason and touches no
 * storage; a storage failure releases the replay claims and answers 503 so the
 * provider's retry is accepted.
 */
export const handleWebhook = Effect.fn('Webhooks.handle')(
  function* (request: WebhookRequest) {
    const route = parseRoute(request.path);
    if (!route) return yield* rejected('unknown', 'unknown-route', `no webhook route at ${request.path}`);
    if (request.method.toUpperCase() !== 'POST')
      return yield* rejected(route.provider, 'method-not-allowed', `${request.method} is not accepted; providers POST`);
    if (Buffer.byteLength(request.body, 'utf8') > MAX_WEBHOOK_BODY_BYTES)
      return yield* rejected(route.provider, 'too-large', `body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`);

    const webhook = webhookOf(route);
    const nowMs = yield* Clock.currentTimeMillis;
    const credentials = yield* (yield* WebhookSecrets).credentialsFor(route);
    const outcome: ProviderOutcome = yield* webhook.authenticate(request, credentials, Math.floor(nowMs / 1000));
    if (outcome._tag === 'Respond') return outcome.response;

    const expectedAccount = webhook.configuredAccount(credentials);
    // Slack, Zoom and Teams secrets must name the account (their webhook.ts); Twilio's auth token is the account's own.
    if ((expectedAccount !== undefined || !webhook.accountOptional) && outcome.accountId !== expectedAccount)
      return yield* rejected(
        route.provider,
        'unauthenticated',
        `the signed payload names account ${outcome.accountId ?? '(none)'}, not this connector's`,
      );

    const guard = yield* ReplayGuard;
    const claimed: string[] = [];
    const fresh = new Set<number>();
    for (const [i, id] of outcome.messageIds.entries()) {
      if (id === undefined) {
        fresh.add(i);
        continue;
      }
      // Not the route: the same signed request sent to a second route is the same delivery.
      const key = replayKey(route.provider, outcome.accountId ?? 'unknown-account', id);
      if (yield* guard.claim(key)) {
        claimed.push(key);
        fresh.add(i);
      }
    }
    if (fresh.size === 0) {
      // A provider's retry of what is already stored (its first answer was lost or late): acknowledge it, store
      // nothing. Slack, Graph, Zoom and Twilio retry every non-2xx answer, so a 4xx here would only make them
      // retry for hours (Graph for up to 4 h) a delivery we hold.
      yield* Effect.logInfo(`already stored: ${route.provider} ${outcome.messageIds.join(', ')}`);
      return webhook.alreadyStoredResponse;
    }

    const intake = yield* WebhookIntake;
    yield* intake
      .accept({
        route,
        event: webhook.restrictTo ? webhook.restrictTo(outcome.event, fresh) : outcome.event,
        rawBody: request.body,
        contentType: request.headers['content-type'] ?? 'application/octet-stream',
        receivedAt: new Date(nowMs),
      })
      .pipe(Effect.tapError(() => Effect.forEach(claimed, (key) => guard.release(key), { discard: true })));
    return webhook.storedResponse;
  },
  (effect) =>
    effect.pipe(
      Effect.catchTags({
        WebhookRejected: (e) =>
          Effect.as(
            Effect.logWarning(`webhook refused: ${e.provider} ${e.reason}: ${e.detail}`),
            // An unknown route and a bad signature answer alike (status and body): a probe cannot learn which
            // connectors exist. The reason stays in the log.
            e.reason === 'unknown-route' || e.reason === 'unauthenticated'
              ? jsonResponse(401, { error: 'unauthenticated' })
              : jsonResponse(statusFor(e.reason), { error: e.reason, detail: e.detail }),
          ),
        WebhookSecretUnavailable: (e) =>
          Effect.as(
            Effect.logError(`webhook secret unavailable: ${e.secretId}: ${e.detail}`),
            jsonResponse(503, { error: 'unavailable', detail: 'try again later' }),
          ),
        ReplayGuardUnavailable: (e) =>
          Effect.as(
            Effect.logError(`replay guard unavailable: ${e.detail}`),
            jsonResponse(503, { error: 'unavailable', detail: 'try again later' }),
          ),
        WebhookStoreFailed: (e) =>
          Effect.as(
            Effect.logError(`webhook not stored: ${e.provider}: ${e.detail}`),
            jsonResponse(503, { error: 'unavailable', detail: 'not stored; retry' }),
          ),
      }),
    ),
);
