import { Duration, Effect, Redacted, Schedule, Schema } from 'effect';
import { HttpClient, HttpClientRequest, type HttpClientResponse } from 'effect/http';
import {
  type InferenceCallError,
  InferenceRateLimited,
  InferenceRejected,
  InferenceResponseInvalid,
  InferenceTimeout,
  InferenceUnavailable,
  isRetryableInferenceError,
} from './errors.js';

/**
 * The one place that speaks HTTP to an OpenAI-compatible server (vLLM, a
 * Whisper server): builds the request, applies the timeout, and turns every
 * outcome into either the decoded body or a typed `InferenceCallError`.
 */

/** Where a server lives. */
export interface Endpoint {
  /** Base URL up to and including `/v1`, e.g. `http://vllm.internal:8000/v1`. */
  readonly baseUrl: string;
  /** Bearer token, when the server was started with `--api-key` (redacted: never logged or printed). */
  readonly apiKey?: Redacted.Redacted<string> | undefined;
}

/** Accepts `http://host:8000`, `http://host:8000/` or `http://host:8000/v1` and returns the `/v1` base. */
export const normalizeBaseUrl = (url: string): string => {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
};

/** Retry-After is either delta-seconds or an HTTP date. */
export const parseRetryAfterMs = (value: string | undefined, now = Date.now()): number | undefined => {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
};

/** vLLM answers errors as `{"error":{"message":...}}` (older builds: `{"object":"error","message":...}`). */
const errorMessageOf = (body: string): string => {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown }; message?: unknown };
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.slice(0, 500);
};

const classifyStatus = (
  endpoint: string,
  response: HttpClientResponse.HttpClientResponse,
  body: string,
): InferenceCallError => {
  const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']);
  const detail = errorMessageOf(body);
  if (response.status === 429) return new InferenceRateLimited({ endpoint, retryAfterMs });
  // 5xx: the fleet is booting, overloaded or restarting; a 500 from vLLM is an engine error worth another try.
  if (response.status >= 500) {
    return new InferenceUnavailable({ endpoint, status: response.status, detail, retryAfterMs });
  }
  // 408 is the server's own timeout: same as ours.
  if (response.status === 408) return new InferenceUnavailable({ endpoint, status: 408, detail });
  return new InferenceRejected({ endpoint, status: response.status, detail });
};

export interface CallOptions {
  readonly timeoutMs: number;
}

/**
 * POSTs `body` (JSON object or multipart form) to `path` under the endpoint and
 * decodes a 2xx answer with `schema`.
 */
export const postOpenAi = <S extends Schema.Top>(
  endpoint: Endpoint,
  path: string,
  body: { readonly json: unknown } | { readonly form: FormData },
  schema: S,
  options: CallOptions,
): Effect.Effect<S['Type'], InferenceCallError, HttpClient.HttpClient | S['DecodingServices']> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient;
    const url = `${normalizeBaseUrl(endpoint.baseUrl)}${path}`;
    let request = HttpClientRequest.post(url).pipe(HttpClientRequest.acceptJson);
    if (endpoint.apiKey) request = HttpClientRequest.bearerToken(request, Redacted.value(endpoint.apiKey));
    request =
      'json' in body
        ? HttpClientRequest.bodyJsonUnsafe(request, body.json)
        : HttpClientRequest.bodyFormData(request, body.form);

    const exchange = Effect.gen(function* () {
      const response = yield* client.execute(request);
      const text = yield* response.text;
      return { response, text };
    }).pipe(
      // Refused, reset, or cut off mid-body: the server (or its instance) went away.
      Effect.mapError(
        (error) => new InferenceUnavailable({ endpoint: url, detail: `${error.reason._tag}: ${error.message}` }),
      ),
      Effect.timeoutOrElse({
        duration: Duration.millis(options.timeoutMs),
        orElse: () => Effect.fail(new InferenceTimeout({ endpoint: url, timeoutMs: options.timeoutMs })),
      }),
    );
    const { response, text } = yield* exchange;
    if (response.status < 200 || response.status >= 300) return yield* classifyStatus(url, response, text);

    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: () => new InferenceResponseInvalid({ endpoint: url, detail: `body is not JSON: ${text.slice(0, 200)}` }),
    });
    return yield* Schema.decodeUnknownEffect(schema)(json).pipe(
      Effect.mapError((error) => new InferenceResponseInvalid({ endpoint: url, detail: error.message })),
    );
  });

/** How long and how fast to retry the retryable failures of one call. */
export interface RetryPolicy {
  /** First delay. @default 1 s */
  readonly baseDelayMs: number;
  /** Largest delay between two tries (before jitter). @default 30 s */
  readonly maxDelayMs: number;
  /** Give up once this much time has passed since the first failure. */
  readonly maxElapsedMs: number;
}

/**
 * Exponential backoff with jitter, capped, for as long as `maxElapsedMs`
 * allows; a Retry-After longer than the backoff wins. Rejections and invalid
 * answers stop at once. `onRetry` runs before each wait (the transcription
 * worker extends the message's visibility there).
 */
export const inferenceRetrySchedule = (policy: RetryPolicy, onRetry: Effect.Effect<void> = Effect.void) =>
  Schedule.min([Schedule.exponential(Duration.millis(policy.baseDelayMs)), Schedule.spaced(policy.maxDelayMs)]).pipe(
    Schedule.jittered,
    Schedule.setInputType<InferenceCallError>(),
    Schedule.modifyDelay(({ input, duration }) => {
      const asked = 'retryAfterMs' in input ? input.retryAfterMs : undefined;
      return Effect.succeed(
        asked !== undefined && asked > Duration.toMillis(duration) ? Duration.millis(asked) : duration,
      );
    }),
    Schedule.while(({ input, elapsed }) => isRetryableInferenceError(input) && elapsed < policy.maxElapsedMs),
    Schedule.tap(() => onRetry),
  );

/** Runs one inference call with the retry policy. */
export const withInferenceRetry =
  (policy: RetryPolicy, onRetry?: Effect.Effect<void>) =>
  <A, R>(effect: Effect.Effect<A, InferenceCallError, R>): Effect.Effect<A, InferenceCallError, R> =>
    Effect.retry(effect, inferenceRetrySchedule(policy, onRetry));
