import { Clock, Effect } from 'effect';
import type { WebhookCredentialsFor } from './credentials.js';
import { type ProviderOutcome, type WebhookEvent, WebhookIntake } from './delivery.js';
import { type RejectionReason, statusFor, WebhookRejected } from './errors.js';
import { authenticateSlack } from './providers/slack.js';
import { authenticateTeams } from './providers/teams.js';
import { authenticateTwilio } from './providers/twilio.js';
import { authenticateZoom } from './providers/zoom.js';
import { ReplayGuard, replayKey } from './replay-guard.js';
import { jsonResponse, type WebhookRequest, type WebhookResponse } from './request.js';
import { parseRoute, type WebhookRoute } from './route.js';
import { WebhookSecrets } from './secrets.js';

/** No provider sends more than this in one webhook (Slack and Graph batches are far smaller). */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

const rejected = (provider: string, reason: RejectionReason, detail: string) =>
  new WebhookRejected({ provider, reason, detail });

const authenticate = (route: WebhookRoute, request: WebhookRequest, nowSeconds: number) =>
  Effect.gen(function* () {
    const secrets = yield* WebhookSecrets;
    switch (route.provider) {
      case 'slack':
        return yield* authenticateSlack(
          request,
          yield* secrets.credentialsFor({ ...route, provider: 'slack' }),
          nowSeconds,
        );
      case 'zoom':
        return yield* authenticateZoom(
          request,
          yield* secrets.credentialsFor({ ...route, provider: 'zoom' }),
          nowSeconds,
        );
      case 'twilio':
        return yield* authenticateTwilio(request, yield* secrets.credentialsFor({ ...route, provider: 'twilio' }));
      case 'teams':
        return yield* authenticateTeams(request, yield* secrets.credentialsFor({ ...route, provider: 'teams' }));
    }
  });

/** The account id configured for the connector, by provider. */
const configuredAccount = (route: WebhookRoute, credentials: unknown): string | undefined => {
  const c = credentials as Partial<
    WebhookCredentialsFor['slack'] &
      WebhookCredentialsFor['zoom'] &
      WebhookCredentialsFor['twilio'] &
      WebhookCredentialsFor['teams']
  >;
  return route.provider === 'slack'
    ? c.teamId
    : route.provider === 'zoom'
      ? c.accountId
      : route.provider === 'twilio'
        ? c.accountSid
        : c.tenantId;
};

/** Keeps only what was not delivered before (a Graph batch may mix new and redelivered notifications). */
const restrictTo = (event: WebhookEvent, fresh: ReadonlySet<number>): WebhookEvent =>
  event._tag === 'TeamsNotifications'
    ? { ...event, notifications: event.notifications.filter((_, i) => fresh.has(i)) }
    : event;

/** The answer to a provider's retry of a delivery already stored: the provider's success status, nothing stored. */
const alreadyStoredResponse = (route: WebhookRoute): WebhookResponse =>
  route.provider === 'slack' || route.provider === 'zoom'
    ? jsonResponse(200, { status: 'already-stored' })
    : successResponse(route);

const successResponse = (route: WebhookRoute): WebhookResponse => {
  switch (route.provider) {
    case 'twilio':
      // An empty TwiML document: store, and do not reply to the sender.
      return {
        status: 200,
        headers: { 'content-type': 'text/xml' },
        body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
      };
    case 'teams':
      return { status: 202, headers: {}, body: '' };
    default:
      return jsonResponse(200, { status: 'stored' });
  }
};

/**
 * One webhook request, start to end: route → the connector's secret →
 * signature, freshness and payload → provider account check → replay guard →
 * store → answer. Anything refused gets a 4xx with its reason and touches no
 * storage; a storage failure releases the replay claims and answers 503 so the
 * provider's retry is accepted.
 */
export const handleWebhook = (request: WebhookRequest) =>
  Effect.gen(function* () {
    const route = parseRoute(request.path);
    if (!route) return yield* rejected('unknown', 'unknown-route', `no webhook route at ${request.path}`);
    if (request.method.toUpperCase() !== 'POST')
      return yield* rejected(route.provider, 'method-not-allowed', `${request.method} is not accepted; providers POST`);
    if (Buffer.byteLength(request.body, 'utf8') > MAX_WEBHOOK_BODY_BYTES)
      return yield* rejected(route.provider, 'too-large', `body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`);

    const nowMs = yield* Clock.currentTimeMillis;
    const outcome: ProviderOutcome = yield* authenticate(route, request, Math.floor(nowMs / 1000));
    if (outcome._tag === 'Respond') return outcome.response;

    const credentials = yield* (yield* WebhookSecrets).credentialsFor(route);
    const expectedAccount = configuredAccount(route, credentials);
    // Slack, Zoom and Teams secrets must name the account (credentials.ts); Twilio's auth token is the account's own.
    if ((expectedAccount !== undefined || route.provider !== 'twilio') && outcome.accountId !== expectedAccount)
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
      return alreadyStoredResponse(route);
    }

    const intake = yield* WebhookIntake;
    yield* intake
      .accept({
        route,
        event: restrictTo(outcome.event, fresh),
        rawBody: request.body,
        contentType: request.headers['content-type'] ?? 'application/octet-stream',
        receivedAt: new Date(nowMs),
      })
      .pipe(Effect.tapError(() => Effect.forEach(claimed, (key) => guard.release(key), { discard: true })));
    return successResponse(route);
  }).pipe(
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
  );
