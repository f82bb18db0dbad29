import { Effect } from 'effect';
import { retryAfterMs } from '../connectors/slack/client.js';
import { AuthExpired, BadPayload, type ConnectorError, RateLimited, Transient } from '../pipeline/errors.js';

/**
 * One GET of a provider's list API for reconcile, as JSON: 429 → RateLimited
 * (Retry-After honoured), 401/403 → AuthExpired, 5xx → Transient, any other
 * non-2xx → BadPayload naming the URL.
 */
export const getListing = (
  platform: string,
  url: string,
  authorization: string,
  headers: Readonly<Record<string, string>> = {},
): Effect.Effect<unknown, ConnectorError> =>
  Effect.gen(function* () {
    const response = yield* Effect.tryPromise({
      try: (signal) => fetch(url, { headers: { ...headers, authorization }, signal }),
      catch: (cause) => new Transient({ source: platform, detail: `listing ${url}: ${String(cause)}` }),
    });
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: () => new Transient({ source: platform, status: response.status, detail: 'unreadable listing body' }),
    });
    const status = response.status;
    if (status === 429)
      return yield* new RateLimited({
        platform,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), 1000),
        detail: url,
      });
    if (status === 401 || status === 403)
      return yield* new AuthExpired({ platform, detail: `${status}: ${text.slice(0, 300)}` });
    if (status >= 500) return yield* new Transient({ source: platform, status, detail: text.slice(0, 300) });
    if (status < 200 || status >= 300)
      return yield* new BadPayload({
        subject: 'response',
        reason: `HTTP ${status}: ${text.slice(0, 300)}`,
        location: url,
      });
    return yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new BadPayload({ subject: 'response', reason: 'listing is not JSON', location: url }),
    });
  });

/** Decodes a listing page with its schema; a shape we do not understand is BadPayload naming the URL. */
export const listingPage =
  <T>(decode: (u: unknown) => Effect.Effect<T, { readonly message: string }>) =>
  (url: string) =>
  (json: unknown): Effect.Effect<T, BadPayload> =>
    decode(json).pipe(
      Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: url })),
    );
