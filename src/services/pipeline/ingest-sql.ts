import { Array as Arr, Effect, Layer } from 'effect';
import { type ArchivedObject, ArchiveStore } from '../archive/archive-store.js';
import { TenantSql } from '../db/tenant-sql.js';
import { TranscriptionJobs } from '../queue/transcription-jobs.js';
import type { Communication, Participant, RawItem } from './communication.js';
import { ensureConnectorRow } from './connector-rows.js';
import type { BadPayload, Transient } from './errors.js';
import { Ingest, type IngestContext, type IngestResult } from './ingest.js';
import { fromTenantSqlError } from './sql-errors.js';

export interface SqlIngestOptions {
  /** Items stored at once (each in its own transaction). PGlite has one connection: keep 1 there. @default 4 */
  readonly concurrency?: number;
}

/** PostgreSQL text cannot hold NUL; broken encodings sometimes carry it. */
const clean = (text: string | undefined): string | null => (text === undefined ? null : text.replaceAll('\u0000', ''));

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

interface StoredItem {
  readonly duplicate: boolean;
  readonly communicationId: string;
  /** Recordings whose transcription is still to be done (new ones, or pending ones of a redelivered item). */
  readonly pendingRecordings: readonly { id: string; objectKey: string; contentType: string }[];
}

/**
 * Ingest through the tenant-scoped SQL service. Order per item: archive first
 * (write-once, so a retry re-puts nothing), then one transaction as the
 * customer that inserts the communication with ON CONFLICT DO NOTHING on its
 * natural key (customer_id, platform, external_id) and, only when it is new,
 * its participants, attachments and recordings. Then transcription jobs are
 * queued; a redelivered item re-queues its still-pending recordings (the
 * transcriber is idempotent on recordingId), so a crash between commit and
 * enqueue loses nothing.
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

      const insertItem = (context: IngestContext, connectorRowId: string, c: Communication, archived: Archived) =>
        Effect.gen(function* () {
          const sender = c.participants.find((p) => p.role === 'from' || p.role === 'sender');
          const inserted = yield* sql<{ id: string }>`
            INSERT INTO communications ${sql.insert({
              customer_id: context.customerId,
              connector_id: connectorRowId,
              platform: context.platform,
              external_id: clean(c.externalId),
              kind: c.channel,
              thread_id: clean(c.threadId),
              sent_at: c.sentAt,
              sender: clean(sender?.address),
              sender_name: clean(sender?.displayName),
              subject: clean(c.subject),
              body_text: clean(c.bodyText),
              raw_object_key: archived.raw.key,
              raw_sha256: archived.raw.sha256,
              metadata: JSON.stringify(
                archived.envelope
                  ? { ...c.metadata, envelope: { key: archived.envelope.key, sha256: archived.envelope.sha256 } }
                  : c.metadata,
              ).replaceAll('\\u0000', ''),
            })}
            ON CONFLICT (customer_id, platform, external_id) DO NOTHING
            RETURNING id`;
          const fresh = inserted[0];
          if (!fresh) {
            const pending = yield* sql<{ id: string; objectKey: string; contentType: string }>`
              SELECT r.id, r.object_key AS "objectKey", coalesce(r.content_type, '') AS "contentType"
              FROM recordings r JOIN communications c ON c.customer_id = r.customer_id AND c.id = r.communication_id
              WHERE c.customer_id = ${context.customerId} AND c.platform = ${context.platform}
                AND c.external_id = ${clean(c.externalId)} AND r.transcription_status = 'pending'`;
            const existing = yield* sql<{ id: string }>`
              SELECT id FROM communications WHERE customer_id = ${context.customerId}
                AND platform = ${context.platform} AND external_id = ${clean(c.externalId)}`;
            return {
              duplicate: true,
              communicationId: existing[0]?.id ?? '',
              pendingRecordings: pending,
            } satisfies StoredItem;
          }
          const participants = distinctParticipants(c.participants).map((p) => ({
            customer_id: context.customerId,
            communication_id: fresh.id,
            role: p.role,
            address: clean(p.address),
            display_name: clean(p.displayName),
          }));
          if (Arr.isArrayNonEmpty(participants)) {
            yield* sql`INSERT INTO participants ${sql.insert(participants)} ON CONFLICT DO NOTHING`;
          }
          const attachments = c.attachments.map((a, ordinal) => ({
            customer_id: context.customerId,
            communication_id: fresh.id,
            ordinal,
            filename: clean(a.filename),
            content_type: a.contentType,
            size_bytes: a.size,
            object_key: archived.attachments[ordinal]?.key,
            sha256: a.sha256,
          }));
          if (Arr.isArrayNonEmpty(attachments)) {
            yield* sql`INSERT INTO attachments ${sql.insert(attachments)}`;
          }
          const pendingRecordings: { id: string; objectKey: string; contentType: string }[] = [];
          for (const r of archived.recordings) {
            const rows = yield* sql<{ id: string }>`
              INSERT INTO recordings ${sql.insert({
                customer_id: context.customerId,
                communication_id: fresh.id,
                object_key: r.object.key,
                sha256: r.object.sha256,
                content_type: r.contentType,
                duration_seconds: r.durationSeconds ?? null,
              })}
              ON CONFLICT (customer_id, communication_id, object_key) DO NOTHING
              RETURNING id`;
            if (rows[0])
              pendingRecordings.push({ id: rows[0].id, objectKey: r.object.key, contentType: r.contentType });
          }
          return { duplicate: false, communicationId: fresh.id, pendingRecordings } satisfies StoredItem;
        });

      /** Connector row ids already known to exist (filled only after a commit). */
      const connectorRows = new Map<string, string>();

      const storeOne = (context: IngestContext, item: RawItem) =>
        Effect.gen(function* () {
          const archived = yield* archiveItem(context.customerId, item);
          const cacheKey = `${context.customerId}/${context.platform}/${context.connectorId}`;
          const stored = yield* tenant
            .withCustomer(
              context.customerId,
              Effect.gen(function* () {
                const connectorRowId =
                  connectorRows.get(cacheKey) ??
                  (yield* ensureConnectorRow(sql, context.customerId, context.platform, context.connectorId));
                return {
                  connectorRowId,
                  item: yield* insertItem(context, connectorRowId, item.communication, archived),
                };
              }),
            )
            .pipe(Effect.mapError((error) => fromTenantSqlError(error, item.sourceId)));
          connectorRows.set(cacheKey, stored.connectorRowId);
          for (const r of stored.item.pendingRecordings) {
            yield* transcription.enqueue({
              version: 1,
              customerId: context.customerId,
              recordingId: r.id,
              communicationId: stored.item.communicationId,
              archiveKey: r.objectKey,
              contentType: r.contentType,
            });
          }
          return { duplicate: stored.item.duplicate, queued: stored.item.pendingRecordings.length };
        });

      const store = Effect.fn('Ingest.store')(function* (context: IngestContext, items: readonly RawItem[]) {
        const results = yield* Effect.forEach(items, (item) => storeOne(context, item), {
          concurrency: options.concurrency ?? 4,
        });
        return {
          stored: results.filter((r) => !r.duplicate).length,
          duplicates: results.filter((r) => r.duplicate).length,
          recordingsQueued: results.reduce((n, r) => n + r.queued, 0),
        } satisfies IngestResult;
      });

      return Ingest.of({ store });
    }),
  );
