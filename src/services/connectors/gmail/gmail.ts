import { Effect, Option, Schema } from 'effect';
import { HttpClientRequest } from 'effect/http';
import type { RawItem, SkippedItem } from '../../pipeline/communication.js';
import type { Connector, Page } from '../../pipeline/connector.js';
import { BadPayload, CursorExpired } from '../../pipeline/errors.js';
import { type ConnectorJob, jobParam } from '../../pipeline/job.js';
import { emailItem } from '../email/email-item.js';
import { decodeJsonBody, PROVIDER_CONCURRENCY, providerApi } from '../email/provider-http.js';

/**
 * Gmail (API v1). Incremental sync follows users.history.list from the stored
 * historyId (messageAdded records, paged by nextPageToken) and fetches each new
 * message with messages.get?format=raw (the RFC 822 bytes, base64url). A
 * historyId Gmail no longer keeps answers 404: the mailbox is synced again in
 * full — users.getProfile for the historyId to continue from, then
 * users.messages.list page by page.
 * https://developers.google.com/gmail/api/guides/sync
 */

export interface GmailOptions {
  /** @default https://gmail.googleapis.com */
  readonly baseUrl?: string;
  /** Messages or history records per page (the API's maxResults). @default 100 */
  readonly pageSize?: number;
}

/** The cursor: where the next page starts. Opaque to the pipeline, JSON here. */
const GmailCursor = Schema.Union([
  Schema.Struct({
    mode: Schema.Literal('history'),
    historyId: Schema.String,
    pageToken: Schema.optional(Schema.String),
  }),
  Schema.Struct({
    mode: Schema.Literal('full'),
    startHistoryId: Schema.String,
    pageToken: Schema.optional(Schema.String),
  }),
]);
type GmailCursor = typeof GmailCursor.Type;

const Profile = Schema.Struct({ emailAddress: Schema.String, historyId: Schema.String });
const MessageRef = Schema.Struct({ id: Schema.String, threadId: Schema.optional(Schema.String) });
const MessageList = Schema.Struct({
  messages: Schema.optional(Schema.Array(MessageRef)),
  nextPageToken: Schema.optional(Schema.String),
});
const HistoryList = Schema.Struct({
  history: Schema.optional(
    Schema.Array(
      Schema.Struct({
        id: Schema.String,
        messagesAdded: Schema.optional(Schema.Array(Schema.Struct({ message: MessageRef }))),
      }),
    ),
  ),
  nextPageToken: Schema.optional(Schema.String),
  historyId: Schema.String,
});
const RawMessage = Schema.Struct({
  id: Schema.String,
  threadId: Schema.optional(Schema.String),
  labelIds: Schema.optional(Schema.Array(Schema.String)),
  internalDate: Schema.optional(Schema.String),
  raw: Schema.String,
});

const encodeCursor = (cursor: GmailCursor): string => JSON.stringify(cursor);
const decodeCursor = (text: string) =>
  Schema.decodeUnknownEffect(Schema.fromJsonString(GmailCursor))(text).pipe(
    Effect.mapError((e) => new BadPayload({ subject: 'cursor', reason: e.message, location: 'gmail' })),
  );

export const makeGmailConnector = (options: GmailOptions = {}) =>
  Effect.gen(function* () {
    const asConnector = yield* providerApi('gmail');
    const base = (options.baseUrl ?? 'https://gmail.googleapis.com').replace(/\/$/, '');
    const pageSize = options.pageSize ?? 100;

    const getJson = <S extends Schema.Top & { readonly DecodingServices: never }>(
      job: ConnectorJob,
      schema: S,
      path: string,
      params: Record<string, string | undefined>,
      pass: readonly number[] = [],
    ) =>
      Effect.gen(function* () {
        const urlParams = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >;
        const call = yield* asConnector(job);
        const response = yield* call(HttpClientRequest.get(`${base}${path}`, { urlParams }), pass);
        if (response.status !== 200) return { status: response.status, value: Option.none<S['Type']>() };
        return { status: 200, value: Option.some(yield* decodeJsonBody(schema, response, path)) };
      });

    /** messages.get?format=raw for each id; a message deleted since the listing (404) is simply gone. */
    const fetchMessages = (job: ConnectorJob, user: string, ids: readonly string[]) =>
      Effect.forEach(
        ids,
        (id) =>
          getJson(
            job,
            RawMessage,
            `/gmail/v1/users/${encodeURIComponent(user)}/messages/${id}`,
            { format: 'raw' },
            [404],
          ).pipe(
            Effect.flatMap(({ value }) =>
              Option.match(value, {
                onNone: () => Effect.succeed(Option.none<RawItem | SkippedItem>()),
                onSome: (message) =>
                  Effect.promise(async (): Promise<Option.Option<RawItem | SkippedItem>> => {
                    if (message.labelIds?.includes('DRAFT')) return Option.none();
                    const raw = new Uint8Array(Buffer.from(message.raw, 'base64url'));
                    return Option.some(
                      await emailItem(raw, `gmail:${user}/${message.id}`, {
                        sourceId: message.id,
                        ...(message.threadId ? { threadId: message.threadId } : {}),
                        ...(message.internalDate ? { fallbackDate: new Date(Number(message.internalDate)) } : {}),
                        metadata: { gmailId: message.id, labels: message.labelIds ?? [] },
                      }),
                    );
                  }),
              }),
            ),
          ),
        { concurrency: PROVIDER_CONCURRENCY },
      ).pipe(
        Effect.map((results) => {
          const items: RawItem[] = [];
          const skipped: SkippedItem[] = [];
          for (const r of results) {
            if (Option.isNone(r)) continue;
            if ('raw' in r.value) items.push(r.value);
            else skipped.push(r.value);
          }
          return { items, skipped };
        }),
      );

    /** A full sync page: users.messages.list, remembering the historyId to continue from when it ends. */
    const fullPage = Effect.fnUntraced(function* (
      job: ConnectorJob,
      user: string,
      startHistoryId: string,
      pageToken?: string,
    ) {
      const { value } = yield* getJson(job, MessageList, `/gmail/v1/users/${encodeURIComponent(user)}/messages`, {
        maxResults: String(pageSize),
        // A compliance archive keeps what a user marked as spam or deleted: users.messages.list leaves SPAM
        // and TRASH out unless includeSpamTrash is true.
        includeSpamTrash: 'true',
        pageToken,
      });
      const list = Option.getOrThrow(value);
      const fetched = yield* fetchMessages(
        job,
        user,
        (list.messages ?? []).map((m) => m.id),
      );
      const nextCursor: GmailCursor = list.nextPageToken
        ? { mode: 'full', startHistoryId, pageToken: list.nextPageToken }
        : { mode: 'history', historyId: startHistoryId };
      return { ...fetched, nextCursor: encodeCursor(nextCursor), done: !list.nextPageToken } satisfies Page;
    });

    const historyPage = Effect.fnUntraced(function* (
      job: ConnectorJob,
      user: string,
      historyId: string,
      pageToken?: string,
    ) {
      const { status, value } = yield* getJson(
        job,
        HistoryList,
        `/gmail/v1/users/${encodeURIComponent(user)}/history`,
        { startHistoryId: historyId, historyTypes: 'messageAdded', maxResults: String(pageSize), pageToken },
        [404],
      );
      if (status === 404) {
        return yield* new CursorExpired({
          platform: 'gmail',
          scope: user,
          detail: `historyId ${historyId} is no longer available`,
        });
      }
      const page = Option.getOrThrow(value);
      const ids = [...new Set((page.history ?? []).flatMap((h) => (h.messagesAdded ?? []).map((m) => m.message.id)))];
      const fetched = yield* fetchMessages(job, user, ids);
      const nextCursor: GmailCursor = page.nextPageToken
        ? { mode: 'history', historyId, pageToken: page.nextPageToken }
        : { mode: 'history', historyId: page.historyId };
      return { ...fetched, nextCursor: encodeCursor(nextCursor), done: !page.nextPageToken } satisfies Page;
    });

    const connector: Connector = {
      platform: 'gmail',
      /** One scope: the mailbox (`params.mailbox`, default `me`, the account the token belongs to). */
      scopes: (job) => Effect.succeed([jobParam(job, 'mailbox') ?? 'me']),
      fetchPage: (job, user, cursor) =>
        Option.match(cursor, {
          onNone: () =>
            Effect.gen(function* () {
              const { value } = yield* getJson(job, Profile, `/gmail/v1/users/${encodeURIComponent(user)}/profile`, {});
              return yield* fullPage(job, user, Option.getOrThrow(value).historyId);
            }),
          onSome: (text) =>
            Effect.flatMap(decodeCursor(text), (c) =>
              c.mode === 'full'
                ? fullPage(job, user, c.startHistoryId, c.pageToken)
                : historyPage(job, user, c.historyId, c.pageToken),
            ),
        }),
    };
    return connector;
  });
