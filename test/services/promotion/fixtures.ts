import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Effect } from 'effect';
import { SqlClient } from 'effect/sql';
import { pooledArchivePrefix } from '../../../src/contracts/pooled-data.js';
import { archiveKeyFor, sha256Hex } from '../../../src/services/archive/archive-store.js';
import type { TenantSql } from '../../../src/services/db/index.js';
import { customerTables } from '../../../src/services/promotion/tables.js';

/**
 * A pooled customer's data in every customer table: a connector, three
 * communications (one under legal hold) with participants, an attachment, a
 * recording with transcript segments, chunks (and their trigger-made terms)
 * and audit rows — written as the application role, inside the tenant.
 */
export const seedCustomer = (db: TenantSql['Service'], customerId: string, slug: string, messages = 3) =>
  db.withCustomer(
    customerId,
    Effect.gen(function* () {
      const sql = db.sql;
      yield* sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${slug}, ${`Customer ${slug}`})`;
      const [connector] = yield* sql<{ id: string }>`
        INSERT INTO connectors (customer_id, platform, name) VALUES (${customerId}, 'gmail', 'mail') RETURNING id`;
      for (let i = 0; i < messages; i++) {
        const [message] = yield* sql<{ id: string }>`
          INSERT INTO communications (customer_id, connector_id, platform, external_id, kind, sent_at, subject, body_text, legal_hold, metadata)
          VALUES (${customerId}, ${connector?.id ?? null}, 'gmail', ${`${slug}-m${i}`}, ${i === 2 ? 'call' : 'email'},
                  ${new Date(Date.UTC(2026, 0, 1 + i)).toISOString()}, ${`Subject ${i} of ${slug}`}, ${`Body ${i}: merger terms for ${slug}`},
                  ${i === 0}, ${JSON.stringify({ n: i })}::jsonb)
          RETURNING id`;
        const id = message?.id ?? '';
        yield* sql`INSERT INTO participants (customer_id, communication_id, role, address) VALUES (${customerId}, ${id}, 'from', ${`a${i}@${slug}.example`}), (${customerId}, ${id}, 'to', ${`b${i}@${slug}.example`})`;
        yield* sql`INSERT INTO attachments (customer_id, communication_id, ordinal, filename, object_key, sha256) VALUES (${customerId}, ${id}, 0, 'terms.pdf', ${`objects/${i}`}, ${'a'.repeat(64)})`;
        yield* sql`INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content) VALUES (${customerId}, ${id}, 'communication', 0, ${`Body ${i}: merger terms for ${slug}`})`;
        if (i === 2) {
          const [recording] = yield* sql<{ id: string }>`
            INSERT INTO recordings (customer_id, communication_id, object_key, duration_seconds, transcription_status)
            VALUES (${customerId}, ${id}, 'objects/rec', 61.5, 'done') RETURNING id`;
          for (let s = 0; s < 3; s++)
            yield* sql`INSERT INTO transcript_segments (customer_id, recording_id, model, segment_index, start_seconds, end_seconds, speaker, text)
                       VALUES (${customerId}, ${recording?.id ?? ''}, 'large-v3', ${s}, ${s * 10}, ${s * 10 + 9.5}, 'spk0', ${`segment ${s} of ${slug}`})`;
          yield* sql`INSERT INTO chunks (customer_id, communication_id, recording_id, source_kind, chunk_index, content)
                     VALUES (${customerId}, ${id}, ${recording?.id ?? ''}, 'transcript', 0, ${`spoken words of ${slug}`})`;
        }
      }
      for (let a = 0; a < 2; a++)
        yield* sql`INSERT INTO audit_log (customer_id, actor, action, query) VALUES (${customerId}, 'alice', 'search', ${`q${a}`})`;
    }),
  );

/** Writes `count` archive objects of a customer under its pooled prefix; returns their unprefixed keys and bytes. */
export const seedArchive = (root: string, customerId: string, count: number) => {
  const written: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const bytes = Buffer.from(`raw message ${i} of ${customerId}`);
    const key = archiveKeyFor(sha256Hex(bytes));
    const path = join(root, pooledArchivePrefix(customerId), key);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, bytes);
    written[key] = bytes.toString();
  }
  return written;
};

/** Per table, per customer: row count and a hash of every row (generated columns too), as an administrator sees them. */
export type Snapshot = Record<string, Record<string, { n: number; h: string }>>;

export const snapshot = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient;
  const tables = yield* customerTables(sql);
  const result: Snapshot = {};
  for (const table of tables) {
    const key = table.primaryKey.map((c) => `t."${c}"`).join(', ');
    const rows = yield* sql.withTransaction(
      Effect.andThen(
        sql`SELECT set_config('TimeZone', 'UTC', true)`,
        sql.unsafe<{ c: string; n: number; h: string }>(
          `SELECT t.customer_id::text AS c, count(*)::int AS n, md5(string_agg(to_jsonb(t.*)::text, E'\\n' ORDER BY ${key})) AS h
           FROM "${table.name}" AS t GROUP BY t.customer_id`,
        ),
      ),
    );
    result[table.name] = Object.fromEntries(rows.map((r) => [r.c, { n: r.n, h: r.h }]));
  }
  return result;
});

/** The snapshot restricted to one customer, or to everyone but one. */
export const only = (snap: Snapshot, keep: (customerId: string) => boolean): Snapshot =>
  Object.fromEntries(
    Object.entries(snap).map(([table, byCustomer]) => [
      table,
      Object.fromEntries(Object.entries(byCustomer).filter(([c]) => keep(c))),
    ]),
  );
