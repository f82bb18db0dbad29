import { createHash } from 'node:crypto';
import { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';
import { ArchiveObjectRetention } from '../archive/object-retention.js';
import { TenantSql } from '../db/tenant-sql.js';
import { objectKeysOf } from './holds.js';

/**
 * Defensible disposition: a customer's communications past `retention_until`
 * and held by no matter are deleted, children first, a batch per transaction;
 * each batch writes its disposition record to audit_log in the same
 * transaction (counts per table, the sent/retention time range, a SHA-256 of
 * the deleted ids). Only after that commit are the batch's archive objects
 * that no remaining row names handed to the lifecycle (objects never go
 * before their rows), and a second audit row says what became of them.
 */
export interface DispositionRequest {
  readonly customerId: string;
  /** Rows whose retention_until is before this instant are due. */
  readonly now: Date;
  readonly actor: string;
  /** Rows per transaction. @default 500 */
  readonly batchSize?: number;
  /** List what would go; delete nothing, write nothing. @default false */
  readonly dryRun?: boolean;
  /** Stop after this many batches (the next run continues). @default 100 */
  readonly maxBatches?: number;
}

/** Child tables in the order they are emptied (each before the table it references). */
export const DISPOSITION_ORDER = [
  'chunks',
  'transcript_segments',
  'recordings',
  'attachments',
  'participants',
  'communications',
] as const;
export type DisposedCounts = Record<(typeof DISPOSITION_ORDER)[number], number>;

export interface DispositionReport {
  readonly customerId: string;
  readonly dryRun: boolean;
  readonly now: string;
  readonly batches: number;
  readonly deleted: DisposedCounts;
  /** The ids (dry run: that would go; otherwise: that went), sorted. */
  readonly ids: readonly string[];
  /** SHA-256 of the sorted ids joined by newlines. */
  readonly idsSha256: string;
  readonly sentRange: readonly [string, string] | null;
  /** Archive objects handed to the lifecycle (dry run: that would be). */
  readonly objects: readonly string[];
  readonly objectsRefused: readonly { readonly key: string; readonly reason: string }[];
  /** Communications past retention that a hold keeps. */
  readonly heldPastRetention: number;
}

export const idsDigest = (ids: readonly string[]): string =>
  createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex');

interface Due {
  readonly id: string;
  readonly sent_at: Date;
  readonly retention_until: Date;
}

/** Due rows of the customer, oldest retention first; `lock` takes them FOR UPDATE, skipping rows another run holds. */
const dueRows = (sql: SqlClient.SqlClient, customerId: string, now: Date, limit: number, lock: boolean) =>
  sql<Due>`
    SELECT id, sent_at, retention_until FROM communications c
    WHERE c.customer_id = ${customerId} AND c.retention_until < ${now} AND NOT c.legal_hold
      AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = c.customer_id AND h.communication_id = c.id)
    ORDER BY c.retention_until, c.id LIMIT ${limit} ${sql.literal(lock ? 'FOR UPDATE OF c SKIP LOCKED' : '')}`;

const idArray = (ids: readonly string[]) => `{${ids.join(',')}}`;

/** Deletes one table's rows of the batch; returns how many went. */
const deleteFrom = (
  sql: SqlClient.SqlClient,
  table: (typeof DISPOSITION_ORDER)[number],
  customerId: string,
  ids: readonly string[],
) => {
  const batch = idArray(ids);
  const statement = {
    chunks: sql<{ n: number }>`WITH d AS (DELETE FROM chunks WHERE customer_id = ${customerId}
      AND communication_id = ANY (${batch}::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    transcript_segments: sql<{ n: number }>`WITH d AS (DELETE FROM transcript_segments t USING recordings r
      WHERE t.customer_id = ${customerId} AND r.customer_id = t.customer_id AND r.id = t.recording_id
        AND r.communication_id = ANY (${batch}::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    recordings: sql<{ n: number }>`WITH d AS (DELETE FROM recordings WHERE customer_id = ${customerId}
      AND communication_id = ANY (${batch}::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    attachments: sql<{ n: number }>`WITH d AS (DELETE FROM attachments WHERE customer_id = ${customerId}
      AND communication_id = ANY (${batch}::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    participants: sql<{ n: number }>`WITH d AS (DELETE FROM participants WHERE customer_id = ${customerId}
      AND communication_id = ANY (${batch}::uuid[]) RETURNING 1) SELECT count(*)::int AS n FROM d`,
    communications: sql<{ n: number }>`WITH d AS (DELETE FROM communications WHERE customer_id = ${customerId}
      AND id = ANY (${batch}::uuid[]) AND NOT legal_hold RETURNING 1) SELECT count(*)::int AS n FROM d`,
  }[table];
  return Effect.map(statement, (rows) => rows[0]?.n ?? 0);
};

/** Of `keys`, those no remaining communication, attachment or recording of the customer names. */
const unreferenced = (sql: SqlClient.SqlClient, customerId: string, keys: readonly string[]) =>
  keys.length === 0
    ? Effect.succeed([] as string[])
    : sql<{ key: string }>`
        SELECT k AS key FROM unnest(${`{${keys.map((k) => JSON.stringify(k)).join(',')}}`}::text[]) AS k
        EXCEPT (
          SELECT raw_object_key FROM communications WHERE customer_id = ${customerId}
          UNION SELECT metadata -> 'envelope' ->> 'key' FROM communications WHERE customer_id = ${customerId}
          UNION SELECT object_key FROM attachments WHERE customer_id = ${customerId}
          UNION SELECT object_key FROM recordings WHERE customer_id = ${customerId})
        ORDER BY 1`.pipe(Effect.map((rows) => rows.map((r) => r.key)));

const emptyCounts = (): DisposedCounts => Object.fromEntries(DISPOSITION_ORDER.map((t) => [t, 0])) as DisposedCounts;

export const disposeExpired = Effect.fn('Disposition.run')(function* (request: DispositionRequest) {
  const tenant = yield* TenantSql;
  const objects = yield* ArchiveObjectRetention;
  const sql = tenant.sql;
  const { customerId, now } = request;
  const batchSize = Math.max(1, request.batchSize ?? 500);
  const heldPastRetention = yield* tenant.withCustomer(
    customerId,
    sql<{ n: number }>`SELECT count(*)::int AS n FROM communications
      WHERE customer_id = ${customerId} AND retention_until < ${now} AND legal_hold`,
  );
  const held = heldPastRetention[0]?.n ?? 0;

  if (request.dryRun) {
    const { due, keys } = yield* tenant.withCustomer(
      customerId,
      Effect.gen(function* () {
        const due = yield* dueRows(sql, customerId, now, batchSize * (request.maxBatches ?? 100), false);
        const ids = due.map((d) => d.id);
        const keys = yield* objectKeysOf(sql, customerId, ids, true);
        // Shared objects stay: only keys that no row outside this set names would go.
        const named = yield* sql<{ key: string }>`
          SELECT DISTINCT k AS key FROM (
            SELECT raw_object_key AS k FROM communications WHERE customer_id = ${customerId} AND NOT (id = ANY (${idArray(ids)}::uuid[]))
            UNION SELECT metadata -> 'envelope' ->> 'key' FROM communications WHERE customer_id = ${customerId} AND NOT (id = ANY (${idArray(ids)}::uuid[]))
            UNION SELECT object_key FROM attachments WHERE customer_id = ${customerId} AND NOT (communication_id = ANY (${idArray(ids)}::uuid[]))
            UNION SELECT object_key FROM recordings WHERE customer_id = ${customerId} AND NOT (communication_id = ANY (${idArray(ids)}::uuid[]))
          ) s WHERE k IS NOT NULL`;
        const kept = new Set(named.map((r) => r.key));
        return { due, keys: keys.filter((k) => !kept.has(k)) };
      }),
    );
    const ids = due.map((d) => d.id).sort();
    return {
      customerId,
      dryRun: true,
      now: now.toISOString(),
      batches: 0,
      deleted: emptyCounts(),
      ids,
      idsSha256: idsDigest(ids),
      sentRange: rangeOf(due.map((d) => d.sent_at)),
      objects: keys,
      objectsRefused: [],
      heldPastRetention: held,
    } satisfies DispositionReport;
  }

  const deleted = emptyCounts();
  const allIds: string[] = [];
  const allSent: Date[] = [];
  const disposedObjects: string[] = [];
  const refused: { key: string; reason: string }[] = [];
  let batches = 0;
  for (; batches < (request.maxBatches ?? 100); batches++) {
    const batch = yield* tenant.withCustomer(
      customerId,
      Effect.gen(function* () {
        const due = yield* dueRows(sql, customerId, now, batchSize, true);
        if (due.length === 0) return undefined;
        const ids = due.map((d) => d.id).sort();
        const keys = yield* objectKeysOf(sql, customerId, ids, true);
        const counts = emptyCounts();
        for (const table of DISPOSITION_ORDER) counts[table] = yield* deleteFrom(sql, table, customerId, ids);
        const orphans = yield* unreferenced(sql, customerId, keys);
        const sent = rangeOf(due.map((d) => d.sent_at));
        const retention = rangeOf(due.map((d) => d.retention_until));
        yield* sql`INSERT INTO audit_log (customer_id, actor, action, target_kind, details)
          VALUES (${customerId}, ${request.actor}, 'disposition', 'communications', ${JSON.stringify({
            phase: 'rows',
            batch: batches + 1,
            counts,
            sent_from: sent?.[0],
            sent_to: sent?.[1],
            retention_from: retention?.[0],
            retention_to: retention?.[1],
            cutoff: now.toISOString(),
            ids_sha256: idsDigest(ids),
            objects_released_to_lifecycle: orphans.length,
          })}::jsonb)`;
        return { ids, counts, orphans, sent: due.map((d) => d.sent_at) };
      }),
    );
    if (batch === undefined) break;
    for (const table of DISPOSITION_ORDER) deleted[table] += batch.counts[table];
    allIds.push(...batch.ids);
    allSent.push(...batch.sent);
    // The rows are committed gone; now (never before) their objects go to the lifecycle.
    const outcome = yield* objects.dispose(customerId, batch.orphans);
    disposedObjects.push(...outcome.done);
    refused.push(...outcome.refused);
    yield* tenant.withCustomer(
      customerId,
      sql`INSERT INTO audit_log (customer_id, actor, action, target_kind, details)
        VALUES (${customerId}, ${request.actor}, 'disposition', 'archive_objects', ${JSON.stringify({
          phase: 'objects',
          batch: batches + 1,
          disposed: outcome.done,
          refused: outcome.refused,
        })}::jsonb)`,
    );
  }
  const ids = allIds.sort();
  return {
    customerId,
    dryRun: false,
    now: now.toISOString(),
    batches,
    deleted,
    ids,
    idsSha256: idsDigest(ids),
    sentRange: rangeOf(allSent),
    objects: disposedObjects.sort(),
    objectsRefused: refused,
    heldPastRetention: held,
  } satisfies DispositionReport;
});

const rangeOf = (dates: readonly Date[]): readonly [string, string] | null => {
  if (dates.length === 0) return null;
  const times = dates.map((d) => new Date(d).getTime());
  return [new Date(Math.min(...times)).toISOString(), new Date(Math.max(...times)).toISOString()];
};
