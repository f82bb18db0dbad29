import { Clock, Effect, Option, Schema } from 'effect';
import { HttpClientRequest } from 'effect/http';
import type { RawItem, SkippedItem } from '../../pipeline/communication.js';
import type { Connector, Page } from '../../pipeline/connector.js';
import { BadPayload, badJob, CursorExpired } from '../../pipeline/errors.js';
import { type ConnectorJob, jobParam } from '../../pipeline/job.js';
import { emailItem } from '../email/email-item.js';
import { decodeJsonBody, PROVIDER_CONCURRENCY, providerApi } from '../email/provider-http.js';
import { receivedItems, receivedJson } from '../raw-json.js';
import { FolderList, listMailFolders } from './folders.js';

/**
 * Microsoft 365 mail through Microsoft Graph (v1.0): one delta query per mail
 * folder (each folder is a scope with its own cursor). A round follows
 * `@odata.nextLink` page by page and ends with an `@odata.deltaLink`, which is
 * stored as the cursor for the next round. Each new message is fetched as raw
 * MIME from `/messages/{id}/$value`. A removed item (`@removed`) becomes a
 * deletion version: its own row, archived as the exact bytes Graph sent,
 * linked to the original by `metadata.graphId`; nothing is deleted from the
 * archive (retention decides that). 410 Gone or a
 * `SyncStateNotFound` error means the delta token is gone: the folder is
 * synced again from the start; what was stored before is recognised by its
 * idempotency key and left as it is.
 * https://learn.microsoft.com/graph/delta-query-messages
 */

export interface M365Options {
  /** @default https://graph.microsoft.com/v1.0 */
  readonly baseUrl?: string;
  /** `Prefer: odata.maxpagesize` for delta pages. @default 50 */
  readonly pageSize?: number;
}

const DeltaMessage = Schema.Struct({
  id: Schema.String,
  receivedDateTime: Schema.optional(Schema.String),
  conversationId: Schema.optional(Schema.String),
  '@removed': Schema.optional(Schema.Struct({ reason: Schema.optional(Schema.String) })),
});
const DeltaPage = Schema.Struct({
  value: Schema.Array(DeltaMessage),
  '@odata.nextLink': Schema.optional(Schema.String),
  '@odata.deltaLink': Schema.optional(Schema.String),
});

/** Graph's error codes for an expired or unknown delta token (besides the 410 status). */
const SYNC_STATE_CODES = /SyncStateNotFound|SyncStateInvalid|resyncRequired|InvalidSyncState/i;

export const makeM365Connector = (options: M365Options = {}) =>
  Effect.gen(function* () {
    const asConnector = yield* providerApi('m365');
    const base = (options.baseUrl ?? 'https://graph.microsoft.com/v1.0').replace(/\/$/, '');
    const pageSize = options.pageSize ?? 50;

    const mailboxOf = (job: ConnectorJob) => {
      const mailbox = jobParam(job, 'mailbox');
      return mailbox
        ? Effect.succeed(encodeURIComponent(mailbox))
        : Effect.fail(badJob(job, 'm365 jobs need params.mailbox (user id or UPN)'));
    };

    const get = (job: ConnectorJob, url: string, pass: readonly number[] = [], headers: Record<string, string> = {}) =>
      Effect.flatMap(asConnector(job), (call) => {
        // A stored link must point back at Graph: never follow a cursor to another host.
        if (!url.startsWith(`${base}/`)) {
          return Effect.fail(
            new BadPayload({ subject: 'cursor', reason: 'link outside the Graph base URL', location: url }),
          );
        }
        return call(HttpClientRequest.get(url, { headers }), pass);
      });

    /**
     * The folders to sync, each a scope: those the job names (`params.folders`,
     * from the blueprint's connector scope), else every folder of the mailbox.
     */
    const foldersOf = (job: ConnectorJob, mailbox: string) => {
      const named = job.params?.folders;
      return Array.isArray(named) && named.length > 0 && named.every((f) => typeof f === 'string')
        ? Effect.succeed(named as string[])
        : listMailFolders(base, mailbox, (url) =>
            Effect.flatMap(get(job, url), (response) => decodeJsonBody(FolderList, response, url)),
          );
    };

    const fetchMime = (job: ConnectorJob, mailbox: string, folderId: string, message: typeof DeltaMessage.Type) =>
      Effect.gen(function* () {
        const response = yield* get(job, `${base}/users/${mailbox}/messages/${message.id}/$value`, [404]);
        if (response.status === 404) return Option.none<RawItem | SkippedItem>();
        const item = yield* Effect.promise(() =>
          emailItem(response.body, `m365:${mailbox}/${message.id}`, {
            sourceId: message.id,
            ...(message.conversationId ? { threadId: message.conversationId } : {}),
            ...(message.receivedDateTime ? { fallbackDate: new Date(message.receivedDateTime) } : {}),
            metadata: { graphId: message.id, folderId },
          }),
        );
        return Option.some(item);
      });

    /**
     * A removal as a version of the record: the entry exactly as Graph sent it
     * (`{"id": ..., "@removed": {"reason": ...}}`), keyed on folder and id so a
     * replayed round stores it once. Graph names only the id, so the link to
     * the original is its Graph id (the original row's `metadata.graphId`).
     */
    const deletionItem = (
      folderId: string,
      message: typeof DeltaMessage.Type,
      raw: Uint8Array,
      observedAt: Date,
      envelope: Uint8Array,
    ): RawItem => {
      const externalId = `graph:${folderId}:${message.id}#removed`;
      return {
        sourceId: externalId,
        raw,
        contentType: 'application/json',
        envelope: { bytes: envelope, contentType: 'application/json' },
        communication: {
          channel: 'email',
          externalId,
          ...(message.conversationId ? { threadId: message.conversationId } : {}),
          sentAt: observedAt,
          bodyText: '',
          participants: [],
          attachments: [],
          recordings: [],
          metadata: {
            platform: 'm365',
            version: 'deletion',
            graphId: message.id,
            versionOf: { graphId: message.id },
            folderId,
            removedReason: message['@removed']?.reason ?? 'unspecified',
          },
        },
      };
    };

    const connector: Connector = {
      platform: 'm365',
      scopes: (job) => Effect.flatMap(mailboxOf(job), (mailbox) => foldersOf(job, mailbox)),
      fetchPage: (job, folderId, cursor) =>
        Effect.gen(function* () {
          const mailbox = yield* mailboxOf(job);
          const url = Option.getOrElse(
            cursor,
            () =>
              `${base}/users/${mailbox}/mailFolders/${encodeURIComponent(folderId)}/messages/delta?$select=id,receivedDateTime,conversationId,internetMessageId`,
          );
          const response = yield* get(job, url, [400, 404, 410], { Prefer: `odata.maxpagesize=${pageSize}` });
          if (response.status !== 200) {
            const text = new TextDecoder().decode(response.body);
            if (response.status === 410 || SYNC_STATE_CODES.test(text)) {
              return yield* new CursorExpired({
                platform: 'm365',
                scope: folderId,
                detail: `HTTP ${response.status}: ${text.slice(0, 300)}`,
              });
            }
            return yield* new BadPayload({
              subject: 'response',
              reason: `HTTP ${response.status}: ${text.slice(0, 300)}`,
              location: url,
            });
          }
          const page = yield* decodeJsonBody(DeltaPage, response, url);
          const nextCursor = page['@odata.nextLink'] ?? page['@odata.deltaLink'];
          if (!nextCursor) {
            return yield* new BadPayload({
              subject: 'response',
              reason: 'delta page without nextLink or deltaLink',
              location: url,
            });
          }
          // Each entry's bytes as Graph sent them: a removal is archived as received.
          const received = receivedJson(new TextDecoder().decode(response.body));
          const entries = receivedItems(received, ['value']);
          const observedAt = new Date(yield* Clock.currentTimeMillis);
          const removals = page.value.flatMap((m, i) =>
            m['@removed']
              ? [deletionItem(folderId, m, entries[i]?.bytes ?? new Uint8Array(), observedAt, received.bytes)]
              : [],
          );
          const added = page.value.filter((m) => !m['@removed']);
          const results = yield* Effect.forEach(added, (m) => fetchMime(job, mailbox, folderId, m), {
            concurrency: PROVIDER_CONCURRENCY,
          });
          const items: RawItem[] = [...removals];
          const skipped: SkippedItem[] = [];
          for (const r of results) {
            if (Option.isNone(r)) continue;
            if ('raw' in r.value) items.push(r.value);
            else skipped.push(r.value);
          }
          return { items, skipped, nextCursor, done: !page['@odata.nextLink'] } satisfies Page;
        }),
    };
    return connector;
  });
