import { Clock, Effect, Schema } from 'effect';
import { AuthExpired, BadPayload, RateLimited, Transient } from '../../pipeline/errors.js';
import { receivedItems, receivedJson } from '../raw-json.js';
import { SlackMessage } from './events.js';

/**
 * Slack Web API limits for apps distributed outside the Slack Marketplace
 * (since 2025): `conversations.history` and `conversations.replies` allow one
 * request a minute and at most 15 messages a page. Push (Events API) is
 * therefore the primary path; polling only fills gaps, at this pace.
 */
export const SLACK_NON_MARKETPLACE_LIMITS = { minRequestIntervalMs: 60_000, pageLimit: 15 } as const;

export interface SlackClientOptions {
  /** @default https://slack.com/api */
  readonly baseUrl?: string;
  /** Least time between two history requests of this client. @default 60 000 (non-Marketplace tier) */
  readonly minRequestIntervalMs?: number;
  /** Messages per page. @default 15 (non-Marketplace tier; Marketplace apps may use up to 999) */
  readonly pageLimit?: number;
}

export const SlackHistoryPage = Schema.Struct({
  ok: Schema.Literal(true),
  messages: Schema.Array(SlackMessage),
  has_more: Schema.optionalKey(Schema.Boolean),
  response_metadata: Schema.optionalKey(Schema.Struct({ next_cursor: Schema.optionalKey(Schema.String) })),
});
export type SlackHistoryPage = typeof SlackHistoryPage.Type;

const decodePage = Schema.decodeUnknownEffect(SlackHistoryPage);

/** Slack `error` codes that mean the token no longer works: re-authorize. */
const AUTH_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
]);

/** Retry-After in seconds (Slack sends whole seconds) → milliseconds; 60 s when absent. */
export const retryAfterMs = (header: string | null, fallbackMs = 60_000): number => {
  if (header === null) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? fallbackMs : Math.max(0, date - Date.now());
};

export interface HistoryRequest {
  readonly token: string;
  readonly channel: string;
  /** Only messages after this ts (exclusive). */
  readonly oldest?: string | undefined;
  /** Only messages up to this ts. */
  readonly latest?: string | undefined;
  readonly cursor?: string | undefined;
}

/** A `conversations.history` client that paces itself to the tier's limit and maps failures onto the pipeline's errors. */
export const makeSlackClient = (options: SlackClientOptions = {}) => {
  const baseUrl = options.baseUrl ?? 'https://slack.com/api';
  const interval = options.minRequestIntervalMs ?? SLACK_NON_MARKETPLACE_LIMITS.minRequestIntervalMs;
  const limit = options.pageLimit ?? SLACK_NON_MARKETPLACE_LIMITS.pageLimit;
  let lastRequestAt = Number.NEGATIVE_INFINITY;

  const pace = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis;
    const wait = lastRequestAt + interval - now;
    if (wait > 0) yield* Effect.sleep(wait);
    lastRequestAt = yield* Clock.currentTimeMillis;
  });

  /** One Web API call (GET, bearer token): the body as received once Slack said `ok`, failures mapped. */
  const call = (method: string, params: URLSearchParams, token: string, location: string) =>
    Effect.gen(function* () {
      const response = yield* Effect.tryPromise({
        try: (signal) =>
          fetch(`${baseUrl}/${method}?${params}`, {
            headers: { authorization: `Bearer ${token}` },
            signal,
          }),
        catch: (cause) => new Transient({ source: 'slack', detail: `${method}: ${String(cause)}` }),
      });
      if (response.status === 429)
        return yield* new RateLimited({
          platform: 'slack',
          retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
          detail: `${method} on ${location} rate limited`,
        });
      if (response.status >= 500)
        return yield* new Transient({ source: 'slack', status: response.status, detail: method });
      const text = yield* Effect.tryPromise({
        try: () => response.text(),
        catch: () => new Transient({ source: 'slack', status: response.status, detail: 'unreadable response body' }),
      });
      const received = yield* Effect.try({
        try: () => receivedJson(text),
        catch: () => new Transient({ source: 'slack', status: response.status, detail: 'response body is not JSON' }),
      });
      const body = received.value as { ok?: boolean; error?: string };
      if (body.ok !== true) {
        const error = body.error ?? `http_${response.status}`;
        if (AUTH_ERRORS.has(error)) return yield* new AuthExpired({ platform: 'slack', detail: error });
        if (error === 'ratelimited')
          return yield* new RateLimited({
            platform: 'slack',
            retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
            detail: error,
          });
        return yield* new BadPayload({ subject: 'response', reason: `${method}: ${error}`, location });
      }
      return received;
    });

  const history = (request: HistoryRequest) =>
    Effect.gen(function* () {
      yield* pace;
      const params = new URLSearchParams({ channel: request.channel, limit: String(limit) });
      if (request.oldest) params.set('oldest', request.oldest);
      if (request.latest) params.set('latest', request.latest);
      if (request.cursor) params.set('cursor', request.cursor);
      const received = yield* call('conversations.history', params, request.token, request.channel);
      const page = yield* decodePage(received.value).pipe(
        Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: request.channel })),
      );
      // The page and each message as Slack sent them (blocks, files, reactions...): what the archive keeps.
      return { ...page, received, items: receivedItems(received, ['messages']) };
    });

  /**
   * `conversations.replies` (https://docs.slack.dev/reference/methods/conversations.replies):
   * one page of a thread, oldest first; the first message of the first page
   * is the parent itself. Same tier and pace as the history.
   */
  const replies = (request: { token: string; channel: string; ts: string; cursor?: string | undefined }) =>
    Effect.gen(function* () {
      yield* pace;
      const params = new URLSearchParams({ channel: request.channel, ts: request.ts, limit: String(limit) });
      if (request.cursor) params.set('cursor', request.cursor);
      const received = yield* call('conversations.replies', params, request.token, `${request.channel}/${request.ts}`);
      const page = yield* decodePage(received.value).pipe(
        Effect.mapError(
          (e) =>
            new BadPayload({ subject: 'response', reason: e.message, location: `${request.channel}/${request.ts}` }),
        ),
      );
      return { ...page, received, items: receivedItems(received, ['messages']) };
    });

  /**
   * `files.info` (https://docs.slack.dev/reference/methods/files.info): the
   * full file object of a file a message names only by id (Slack Connect
   * files arrive as `file_access: "check_file_info"`, without URLs).
   */
  const fileInfo = (token: string, fileId: string) =>
    Effect.map(
      call('files.info', new URLSearchParams({ file: fileId }), token, fileId),
      (received) => (received.value as { file?: unknown }).file,
    );

  return { history, replies, fileInfo, pageLimit: limit };
};
export type SlackClient = ReturnType<typeof makeSlackClient>;
