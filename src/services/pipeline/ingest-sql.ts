import { Effect, Layer } from 'effect';
import type { SqlClient } from 'effect/sql';
import { type ArchivedObject, ArchiveStore, sha256Hex } from '../archive/archive-store.js';
import { TenantSql } from '../db/tenant-sql.js';
import { TranscriptionJobs } from '../queue/transcription-jobs.js';
import type { Communication, Participant, RawItem, SkippedItem, UnparsedItem } from './communication.js';
import { ensureConnectorRow } from './connector-rows.js';
import { BadPayload, type Transient } from './errors.js';
import { Ingest, type IngestContext, type IngestResult, type PreparedPage } from './ingest.js';
import { fromTenantSqlError } from './sql-errors.js';

export interface SqlIngestOptions {
  /** Archive writes (and parses of unparsed items) in flight at once. @default 16 */
  readonly concurrency?: number;
}

/**
 * PostgreSQL text cannot hold NUL, and a jsonb document cannot hold a lone
 * UTF-16 surrogate (broken encodings carry both): both are dropped/replaced.
 */
const clean = (text: string | undefined | null): string | null =>
  text === undefined || text === null
    ? null
    : (text.replaceAll('\u0000', '') as string & { toWellFormed(): string }).toWellFormed(); // ES2024, Node >= 20

const distinctParticipants = (participants: readonly Participant[]) => {
  const seen = new Set<string>();
  return participants.filter((p) => {
    const key = `${p.role}\u0001${p.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

interface Archived {
  readonly raw: ArchivedObject;
  readonly envelope: ArchivedObject | undefined;
  readonly attachments: readonly ArchivedObject[];
  readonly recordings: readonly {
    readonly object: ArchivedObject;
    readonly contentType: string;
    readonly durationSeconds?: number;
  }[];
}

interface PendingRecording {
  readonly id: string;
  readonly communicationId: string;
  readonly objectKey: string;
  readonly contentType: string;
}

interface StoredPage {
  readonly stored: number;
  readonly duplicates: number;
  /** Recordings whose transcription is still to be done (new ones, or pending ones of redelivered items). */
  readonly pendingRecordings: readonly PendingRecording[];
}

/** One JSON document for a whole page: `jsonb_to_recordset` turns it into rows (one parameter, any page size). */
const rowsParam = (rows: readonly object[]) => JSON.stringify(rows);

/**
 * Pending recordings of already-stored communications (by natural key): a
 * redelivered item re-queues them (the transcriber is idempotent on
 * recordingId), so a crash between commit and enqueue loses nothing.
 */
const pendingOf = (sql: SqlClient.SqlClient, context: IngestContext, externalIds: readonly string[]) =>
  externalIds.length === 0
    ? Effect.succeed([] as PendingRecording[])
    : sql<PendingRecording>`
        SELECT r.id, c.id AS "communicationId", r.object_key AS "objectKey", coalesce(r.content_type, '') AS "contentType"
        FROM communications c
        JOIN recordings r ON r.customer_id = c.customer_id AND r.communication_id = c.id
        WHERE c.customer_id = ${context.customerId} AND c.platform = ${context.platform}
          AND c.external_id = ANY (ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(externalIds)}::jsonb)))
          AND r.transcription_status = 'pending'`;

/**
 * The page's raw items already stored, by the SHA-256 of their bytes, with the
 * still-pending recordings of their communications: one primary-key probe of
 * raw_digests per digest. LATERAL (kept apart by OFFSET 0) with equalities on
 * all three leading key columns, so the probe is the plan whatever the
 * statistics know about this tenant (sql/0016 says why that matters).
 */
export const storedDigestsQuery = (sql: SqlClient.SqlClient, context: IngestContext, digests: readonly string[]) =>
  sql<{ raw_sha256: string } & { [K in keyof PendingRecording]: PendingRecording[K] | null }>`
    SELECT d.raw_sha256, d.communication_id AS "communicationId", r.id, r.object_key AS "objectKey",
      coalesce(r.content_type, '') AS "contentType"
    FROM jsonb_array_elements_text(${JSON.stringify(digests)}::jsonb) AS page(digest)
    CROSS JOIN LATERAL (
      SELECT k.raw_sha256, k.communication_id FROM raw_digests k
      WHERE k.customer_id = ${context.customerId} AND k.platform = ${context.platform} AND k.raw_sha256 = page.digest
      OFFSET 0
    ) d
    LEFT JOIN recordings r ON r.customer_id = ${context.customerId} AND r.communication_id = d.communication_id
      AND r.transcription_status = 'pending'`;

/**
 * Ingest through the tenant-scoped SQL service, a page at a time:
 *
 * 1. Unparsed items (the archive import) are looked up by the SHA-256 of
 *    their bytes first, in one query (`storedDigestsQuery`): the same bytes under the same platform
 *    have the same natural key, so a stored one is a duplicate and is neither
 *    parsed nor archived again. Only the rest are parsed.
 * 2. Every item is archived (write-once, content-addressed, so a retry
 *    re-puts nothing), several at once.
 * 3. ONE transaction as the customer stores the page: one multi-row
 *    `INSERT … SELECT FROM jsonb_to_recordset(…)` per table (communications
 *    with ON CONFLICT DO NOTHING on (customer_id, platform, external_id),
 *    then participants, attachments and recordings of the new ones only).
 *    Forced RLS applies to every row (COPY is refused under RLS and temporary
 *    tables are revoked from the application role; a multi-row INSERT is
 *    neither). The page is stored whole or not at all; the runner advances
 *    the cursor only after this returns.
 * 4. Transcription jobs are queued for new recordings and for still-pending
 *    recordings of redelivered items.
 */
export const sqlIngestLayer = (
  options: SqlIngestOptions = {},
): Layer.Layer<Ingest, never, TenantSql | ArchiveStore | TranscriptionJobs> =>
  Layer.effect(
    Ingest,
    Effect.gen(function* () {
      const tenant = yield* TenantSql;
      const archive = yield* ArchiveStore;
      const transcription = yield* TranscriptionJobs;
      const sql = tenant.sql;
      const concurrency = Math.max(1, options.concurrency ?? 16);

      const archiveItem = (customerId: string, item: RawItem): Effect.Effect<Archived, Transient | BadPayload> =>
        Effect.gen(function* () {
          const raw = yield* archive.put(customerId, item.raw, item.contentType);
          const envelope = item.envelope
            ? yield* archive.put(customerId, item.envelope.bytes, item.envelope.contentType)
            : undefined;
          const attachments = yield* Effect.forEach(item.communication.attachments, (a) =>
            archive.put(customerId, a.content, a.contentType),
          );
          const recordings = yield* Effect.forEach(item.communication.recordings, (r) =>
            Effect.map(archive.put(customerId, r.content, r.contentType), (object) => ({
              object,
              contentType: r.contentType,
              ...(r.durationSeconds === undefined ? {} : { durationSeconds: r.durationSeconds }),
            })),
          );
          return { raw, envelope, attachments, recordings };
        });

      const communicationRow = (c: Communication, archived: Archived) => {
        const sender = c.participants.find((p) => p.role === 'from' || p.role === 'sender');
        return {
          external_id: clean(c.externalId),
          kind: c.channel,
          thread_id: clean(c.threadId),
          sent_at: c.sentAt.toISOString(),
          sender: clean(sender?.address),
          sender_name: clean(sender?.displayName),
          subject: clean(c.subject),
          body_text: clean(c.bodyText),
          raw_object_key: archived.raw.key,
          raw_sha256: archived.raw.sha256,
          // Cleaned text inside: a jsonb value cannot hold \u0000 or a lone surrogate either.
          metadata: JSON.parse(
            JSON.stringify(
              archived.envelope
                ? { ...c.metadata, envelope: { key: archived.envelope.key, sha256: archived.envelope.sha256 } }
                : c.metadata,
              (_key, value) => (typeof value === 'string' ? clean(value) : value),
            ),
          ),
        };
      };

      /**
       * The page's rows in one statement (inside `withCustomer`): data-modifying CTEs insert the
       * communications (ON CONFLICT DO NOTHING on the natural key) and, joined on the natural key to
       * the rows that were really inserted, their participants, attachments and recordings. One round
       * trip for the whole page; foreign keys are checked at the end of the statement, after every CTE.
       */
      const storePage = (
        context: IngestContext,
        connectorRowId: string,
        items: readonly { readonly communication: Communication; readonly archived: Archived }[],
      ) =>
        Effect.gen(function* () {
          // The first item with a natural key is the candidate; later ones in the page are duplicates of it.
          const candidates = new Map<string, (typeof items)[number]>();
          for (const item of items) {
            const key = clean(item.communication.externalId) as string;
            if (!candidates.has(key)) candidates.set(key, item);
          }
          const entries = [...candidates];
          const participants = entries.flatMap(([key, { communication }]) =>
            distinctParticipants(communication.participants).map((p) => ({
              k: key,
              role: p.role,
              address: clean(p.address),
              display_name: clean(p.displayName),
            })),
          );
          const attachments = entries.flatMap(([key, { communication, archived }]) =>
            communication.attachments.map((a, ordinal) => ({
              k: key,
              ordinal,
              filename: clean(a.filename),
              content_type: a.contentType,
              size_bytes: a.size,
              object_key: archived.attachments[ordinal]?.key,
              sha256: a.sha256,
            })),
          );
          const recordings = entries.flatMap(([key, { archived }]) =>
            archived.recordings.map((r) => ({
              k: key,
              object_key: r.object.key,
              sha256: r.object.sha256,
              content_type: r.contentType,
              duration_seconds: r.durationSeconds ?? null,
            })),
          );
          const rows = yield* sql<{
            t: 'c' | 'r';
            id: string;
            k: string;
            object_key: string | null;
            content_type: string | null;
          }>`
            WITH c AS (
              INSERT INTO communications (customer_id, connector_id, platform, external_id, kind, thread_id, sent_at,
                sender, sender_name, subject, body_text, raw_object_key, raw_sha256, metadata)
              SELECT ${context.customerId}, ${connectorRowId}, ${context.platform}, r.external_id, r.kind, r.thread_id,
                r.sent_at, r.sender, r.sender_name, r.subject, r.body_text, r.raw_object_key, r.raw_sha256, r.metadata
              FROM jsonb_to_recordset(${rowsParam(entries.map(([, i]) => communicationRow(i.communication, i.archived)))}::jsonb)
                AS r(external_id text, kind text, thread_id text, sent_at timestamptz, sender text, sender_name text,
                  subject text, body_text text, raw_object_key text, raw_sha256 text, metadata jsonb)
              ON CONFLICT (customer_id, platform, external_id) DO NOTHING
              RETURNING id, external_id
            ), p AS (
              INSERT INTO participants (customer_id, communication_id, role, address, display_name)
              SELECT ${context.customerId}, c.id, r.role, r.address, r.display_name
              FROM jsonb_to_recordset(${rowsParam(participants)}::jsonb)
                AS r(k text, role text, address text, display_name text)
              JOIN c ON c.external_id = r.k
              ON CONFLICT DO NOTHING
            ), a AS (
              INSERT INTO attachments (customer_id, communication_id, ordinal, filename, content_type, size_bytes,
                object_key, sha256)
              SELECT ${context.customerId}, c.id, r.ordinal, r.filename, r.content_type, r.size_bytes, r.object_key,
                r.sha256
              FROM jsonb_to_recordset(${rowsParam(attachments)}::jsonb) AS r(k text, ordinal int, filename text,
                content_type text, size_bytes bigint, object_key text, sha256 text)
              JOIN c ON c.external_id = r.k
            ), rec AS (
              INSERT INTO recordings (customer_id, communication_id, object_key, sha256, content_type, duration_seconds)
              SELECT ${context.customerId}, c.id, r.object_key, r.sha256, r.content_type, r.duration_seconds
              FROM jsonb_to_recordset(${rowsParam(recordings)}::jsonb) AS r(k text, object_key text, sha256 text,
                content_type text, duration_seconds numeric)
              JOIN c ON c.external_id = r.k
              ON CONFLICT (customer_id, communication_id, object_key) DO NOTHING
              RETURNING id, communication_id, object_key, content_type
            )
            SELECT 'c' AS t, id, external_id AS k, NULL AS object_key, NULL AS content_type FROM c
            UNION ALL
            SELECT 'r', id, communication_id::text, object_key, coalesce(content_type, '') FROM rec`;
          const fresh = new Set(rows.filter((r) => r.t === 'c').map((r) => r.k));
          const newRecordings: PendingRecording[] = rows
            .filter((r) => r.t === 'r')
            .map((r) => ({
              id: r.id,
              communicationId: r.k,
              objectKey: r.object_key ?? '',
              contentType: r.content_type ?? '',
            }));
          // Items that were already stored (by an earlier round, or by a concurrent worker that just committed).
          const redelivered = entries.flatMap(([key]) => (fresh.has(key) ? [] : [key]));
          const stillPending = yield* pendingOf(sql, context, redelivered);
          return {
            stored: fresh.size,
            duplicates: items.length - fresh.size,
            pendingRecordings: [...newRecordings, ...stillPending],
          } satisfies StoredPage;
        });

      /** Connector row ids already known to exist (filled only after a commit). */
      const connectorRows = new Map<string, string>();

      /** Which unparsed items are already stored, with the still-pending recordings of those communications. */
      const storedDigests = (context: IngestContext, digests: readonly string[]) =>
        tenant.withCustomer(context.customerId, storedDigestsQuery(sql, context, digests)).pipe(
          Effect.map((rows) => ({
            known: new Set(rows.map((r) => r.raw_sha256)),
            pending: rows.flatMap((r) => (r.id === null ? [] : [r as PendingRecording])),
          })),
          Effect.mapError((error) => fromTenantSqlError(error)),
        );

      /**
       * Parses the unparsed items that are not stored yet and archives each as soon as it is parsed
       * (archive writes overlap the parses still running); the rest are duplicates known by their hash.
       */
      const normalize = (context: IngestContext, unparsed: readonly UnparsedItem[]) =>
        Effect.gen(function* () {
          const digests = unparsed.map((u) => sha256Hex(u.raw));
          const { known, pending } = yield* storedDigests(context, [...new Set(digests)]);
          const done = yield* Effect.forEach(
            unparsed.filter((_, i) => !known.has(digests[i] as string)),
            (u) =>
              Effect.gen(function* () {
                const result = yield* Effect.tryPromise({
                  try: () => u.parse(),
                  catch: (cause) =>
                    new BadPayload({ subject: 'item', reason: `parse failed: ${String(cause)}`, location: u.sourceId }),
                });
                if ('reason' in result) return { skipped: { location: u.sourceId, reason: result.reason } };
                const item: RawItem = {
                  sourceId: u.sourceId,
                  raw: u.raw,
                  contentType: u.contentType,
                  communication: result,
                };
                return { item, archived: yield* archiveItem(context.customerId, item) };
              }),
            { concurrency },
          );
          const entries: { item: RawItem; archived: Archived }[] = [];
          const skipped: SkippedItem[] = [];
          for (const d of done) {
            if (d.item) entries.push({ item: d.item, archived: d.archived });
            else if (d.skipped) skipped.push(d.skipped);
          }
          return { entries, skipped, duplicates: digests.filter((d) => known.has(d)).length, pending };
        });

      /** The page's rows in one transaction as the customer; the connector row id is cached after a commit. */
      const commitPage = (context: IngestContext, entries: readonly { item: RawItem; archived: Archived }[]) => {
        const cacheKey = `${context.customerId}/${context.platform}/${context.connectorId}`;
        return tenant
          .withCustomer(
            context.customerId,
            Effect.gen(function* () {
              const connectorRowId =
                connectorRows.get(cacheKey) ??
                (yield* ensureConnectorRow(sql, context.customerId, context.platform, context.connectorId));
              const page = yield* storePage(
                context,
                connectorRowId,
                entries.map(({ item, archived }) => ({ communication: item.communication, archived })),
              );
              return { connectorRowId, page };
            }),
          )
          .pipe(
            Effect.mapError((error) => fromTenantSqlError(error, entries[0]?.item.sourceId)),
            Effect.map(({ connectorRowId, page }) => {
              connectorRows.set(cacheKey, connectorRowId);
              return page;
            }),
          );
      };

      const commit = Effect.fn('Ingest.commit')(function* (
        context: IngestContext,
        entries: readonly { item: RawItem; archived: Archived }[],
        normalized: {
          readonly skipped: readonly SkippedItem[];
          readonly duplicates: number;
          readonly pending: readonly PendingRecording[];
        },
      ) {
        const stored: StoredPage =
          entries.length === 0
            ? { stored: 0, duplicates: 0, pendingRecordings: [] }
            : yield* commitPage(context, entries);
        const pendingRecordings = [...stored.pendingRecordings, ...normalized.pending];
        for (const r of pendingRecordings) {
          yield* transcription.enqueue({
            version: 1,
            customerId: context.customerId,
            recordingId: r.id,
            communicationId: r.communicationId,
            archiveKey: r.objectKey,
            contentType: r.contentType,
          });
        }
        return {
          stored: stored.stored,
          duplicates: stored.duplicates + normalized.duplicates,
          recordingsQueued: pendingRecordings.length,
          skipped: normalized.skipped,
        } satisfies IngestResult;
      });

      const prepare = Effect.fn('Ingest.prepare')(function* (
        context: IngestContext,
        given: readonly RawItem[],
        unparsed: readonly UnparsedItem[] = [],
      ) {
        const archivedGiven = yield* Effect.forEach(
          given,
          (item) => Effect.map(archiveItem(context.customerId, item), (archived) => ({ item, archived })),
          { concurrency },
        );
        const normalized =
          unparsed.length === 0
            ? { entries: [], skipped: [], duplicates: 0, pending: [] }
            : yield* normalize(context, unparsed);
        const entries = [...archivedGiven, ...normalized.entries];
        return { commit: commit(context, entries, normalized) } satisfies PreparedPage;
      });

      const store = Effect.fn('Ingest.store')(function* (
        context: IngestContext,
        given: readonly RawItem[],
        unparsed: readonly UnparsedItem[] = [],
      ) {
        const prepared = yield* prepare(context, given, unparsed);
        return yield* prepared.commit;
      });

      return Ingest.of({ prepare, store });
    }),
  );
