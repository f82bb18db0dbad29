import { Effect, Schema } from 'effect';
import { AuthExpired, BadPayload, CursorExpired, RateLimited, Transient } from '../../pipeline/errors.js';
import { type ReceivedItem, type ReceivedJson, receivedItems, receivedJson } from '../raw-json.js';
import { retryAfterMs } from '../slack/client.js';
import { GraphChatMessage } from './messages.js';

/**
 * Teams export APIs (https://learn.microsoft.com/microsoftteams/platform/graph-api/export-api/teams-export-api):
 * `getAllMessages` with the licensing/payment `model` (A: security and compliance,
 * metered; B: free evaluation quota) and a `lastModifiedDateTime` filter.
 */
export type GraphPaymentModel = 'A' | 'B';

export type TeamsSource =
  | { readonly kind: 'user-chats'; readonly userId: string }
  | { readonly kind: 'team-channels'; readonly teamId: string };

export interface TeamsClientOptions {
  /** @default https://graph.microsoft.com/v1.0 */
  readonly baseUrl?: string;
  /** @default 'A' (compliance archiving is model A's purpose) */
  readonly model?: GraphPaymentModel;
  /** Messages per page. @default 50 */
  readonly top?: number;
}

export const GraphMessagesPage = Schema.Struct({
  value: Schema.Array(GraphChatMessage),
  '@odata.nextLink': Schema.optionalKey(Schema.String),
});
export type GraphMessagesPage = typeof GraphMessagesPage.Type;
const decodePage = Schema.decodeUnknownEffect(GraphMessagesPage);

/** The first page of a source's messages changed since `since` (inclusive: equal timestamps are refetched, idempotently). */
export const firstPageUrl = (options: TeamsClientOptions, source: TeamsSource, since: string | undefined): string => {
  const base = options.baseUrl ?? 'https://graph.microsoft.com/v1.0';
  const path =
    source.kind === 'user-chats'
      ? `/users/${encodeURIComponent(source.userId)}/chats/getAllMessages`
      : `/teams/${encodeURIComponent(source.teamId)}/channels/getAllMessages`;
  const params = new URLSearchParams({ model: options.model ?? 'A', $top: String(options.top ?? 50) });
  // getAllMessages documents `gt` and `lt` on lastModifiedDateTime (not `ge`): step the watermark back one
  // second so a message modified in the watermark's own second is fetched again (stored once: same key).
  if (since) params.set('$filter', `lastModifiedDateTime gt ${new Date(Date.parse(since) - 1000).toISOString()}`);
  return `${base}${path}?${params}`;
};

const decodeMessage = Schema.decodeUnknownEffect(GraphChatMessage);

/** One message by its resource path (what a change notification names), with its bytes as received. */
export const getMessage = (url: string, token: string) =>
  getJson(url, token).pipe(
    Effect.flatMap((received) =>
      decodeMessage(received.value).pipe(
        Effect.map((message) => ({ message, received })),
        Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: url })),
      ),
    ),
  );

/** A decoded page with what was received: the page's bytes and each message's bytes, verbatim. */
export interface GraphReceivedPage {
  readonly page: GraphMessagesPage;
  readonly received: ReceivedJson;
  readonly items: readonly ReceivedItem[];
}

/** One GET of a Graph page (a first page or an `@odata.nextLink`), failures mapped onto the pipeline's errors. */
export const getMessagesPage = (url: string, token: string) =>
  getJson(url, token).pipe(
    Effect.flatMap((received) =>
      decodePage(received.value).pipe(
        Effect.map((page): GraphReceivedPage => ({ page, received, items: receivedItems(received, ['value']) })),
        Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: url })),
      ),
    ),
  );

const getJson = (url: string, token: string) =>
  Effect.gen(function* () {
    const response = yield* Effect.tryPromise({
      try: (signal) =>
        fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal }),
      catch: (cause) => new Transient({ source: 'teams', detail: `getAllMessages: ${String(cause)}` }),
    });
    const status = response.status;
    if (status === 429 || status === 503) {
      // Graph throttles with 429, and sometimes 503, both with Retry-After.
      const after = response.headers.get('retry-after');
      if (status === 429 || after !== null)
        return yield* new RateLimited({
          platform: 'teams',
          retryAfterMs: retryAfterMs(after, 10_000),
          detail: `HTTP ${status}`,
        });
    }
    if (status === 401) return yield* new AuthExpired({ platform: 'teams', detail: 'Graph refused the token (401)' });
    if (status === 403)
      return yield* new AuthExpired({
        platform: 'teams',
        detail: 'Graph denied access (403): consent or licence missing',
      });
    if (status === 410)
      return yield* new CursorExpired({ platform: 'teams', scope: url, detail: 'nextLink expired (410)' });
    if (status >= 500) return yield* new Transient({ source: 'teams', status, detail: 'getAllMessages' });
    if (status !== 200)
      return yield* new BadPayload({ subject: 'response', reason: `getAllMessages answered ${status}`, location: url });
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: () => new Transient({ source: 'teams', status, detail: 'unreadable response body' }),
    });
    return yield* Effect.try({
      try: () => receivedJson(text),
      catch: () =>
        new BadPayload({ subject: 'response', reason: 'Graph answered with something not JSON', location: url }),
    });
  });
