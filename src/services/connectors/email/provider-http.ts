import { Effect, Schema } from 'effect';
import { HttpClient, HttpClientRequest } from 'effect/http';
import { connectorTokens } from '../../pipeline/credentials.js';
import { AuthExpired, BadPayload, type ConnectorError, RateLimited, Transient } from '../../pipeline/errors.js';

/**
 * One HTTP call to a provider API (Gmail, Microsoft Graph), with the
 * provider's status codes mapped onto the pipeline's typed errors. Statuses in
 * `pass` are returned to the caller (who knows what a 404 or 410 means there).
 */
export interface ProviderResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

/** Default wait when a 429 carries no Retry-After (Graph always sends one; be safe). */
const DEFAULT_RETRY_AFTER_MS = 30_000;

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export const parseRetryAfterMs = (value: string | undefined, now = Date.now()): number | undefined => {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

const textOf = (body: Uint8Array): string => new TextDecoder().decode(body).slice(0, 500);

/** Google's error reasons that mean "slow down" (403 and 429 carry them). */
const GOOGLE_RATE_REASONS = ['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded', 'dailyLimitExceeded'];

export const callProvider = (
  client: HttpClient.HttpClient,
  platform: string,
  request: HttpClientRequest.HttpClientRequest,
  accessToken: string,
  pass: readonly number[] = [],
): Effect.Effect<ProviderResponse, ConnectorError> =>
  Effect.gen(function* () {
    const response = yield* client
      .execute(request.pipe(HttpClientRequest.bearerToken(accessToken)))
      .pipe(
        Effect.mapError((cause) => new Transient({ source: platform, detail: `request failed: ${cause.message}` })),
      );
    const body = new Uint8Array(
      yield* response.arrayBuffer.pipe(
        Effect.mapError(
          (cause) => new Transient({ source: platform, detail: `reading the response: ${cause.message}` }),
        ),
      ),
    );
    const headers = response.headers as Readonly<Record<string, string>>;
    const status = response.status;
    if ((status >= 200 && status < 300) || pass.includes(status)) return { status, headers, body };
    const text = textOf(body);
    const retryAfterMs = parseRetryAfterMs(headers['retry-after']);
    if (status === 429) {
      return yield* new RateLimited({ platform, retryAfterMs: retryAfterMs ?? DEFAULT_RETRY_AFTER_MS, detail: text });
    }
    if (status === 401) return yield* new AuthExpired({ platform, detail: text });
    if (status === 403) {
      if (GOOGLE_RATE_REASONS.some((reason) => text.includes(reason))) {
        // Quota errors: Retry-After when given, else exponential backoff (Google's guidance).
        return retryAfterMs !== undefined
          ? yield* new RateLimited({ platform, retryAfterMs, detail: text })
          : yield* new Transient({ source: platform, detail: `quota: ${text}`, status });
      }
      return yield* new AuthExpired({ platform, detail: `forbidden: ${text}` });
    }
    if (status >= 500 || status === 408) return yield* new Transient({ source: platform, detail: text, status });
    return yield* new BadPayload({ subject: 'response', reason: `HTTP ${status}: ${text}`, location: request.url });
  });

/** One call to the provider as a connector: {@link callProvider} with the connector's access token. */
export type ProviderCall = (
  request: HttpClientRequest.HttpClientRequest,
  pass?: readonly number[],
) => Effect.Effect<ProviderResponse, ConnectorError>;

/**
 * A provider API (Gmail, Microsoft Graph) as one platform's connectors reach
 * it: the HTTP client and the platform's token reader, resolved once; for a
 * job, the access token of the connector it belongs to, and the calls made
 * with it.
 */
export const providerApi = (platform: string) =>
  Effect.gen(function* () {
    const http = yield* HttpClient.HttpClient;
    const token = yield* connectorTokens(platform);
    return (job: { readonly customerId: string; readonly connectorId: string }) =>
      Effect.map(
        token(job),
        (accessToken): ProviderCall =>
          (request, pass = []) =>
            callProvider(http, platform, request, accessToken, pass),
      );
  });

/** Decode a JSON response body with a schema; a shape we do not understand is `BadPayload`. */
export const decodeJsonBody = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  response: ProviderResponse,
  location: string,
): Effect.Effect<S['Type'], BadPayload> =>
  Effect.try({
    try: () => JSON.parse(new TextDecoder().decode(response.body)) as unknown,
    catch: (cause) => new BadPayload({ subject: 'response', reason: `not JSON: ${String(cause)}`, location }),
  }).pipe(
    Effect.flatMap((json) =>
      Schema.decodeUnknownEffect(schema)(json).pipe(
        Effect.mapError((error) => new BadPayload({ subject: 'response', reason: error.message, location })),
      ),
    ),
  );

/** Map over items with bounded concurrency (provider per-user limits: keep it modest). */
export const PROVIDER_CONCURRENCY = 6;
