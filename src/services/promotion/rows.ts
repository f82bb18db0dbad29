import { createHash } from 'node:crypto';
import { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';
import { type CustomerTable, quoted } from './tables.js';

/** One batch of a table: rows as canonical JSON text (jsonb), and the key to continue after. */
export interface RowBatch {
  readonly rows: readonly string[];
  /** JSON object of the last row's primary key, or undefined when the batch is empty. */
  readonly lastKey: string | undefined;
}

/** `(to_jsonb(t) - generated columns)::text`: the row as the copy carries it and the hash covers it. */
const rowJson = (table: CustomerTable): string =>
  table.generated.length === 0
    ? 'to_jsonb(t.*)::text'
    : `(to_jsonb(t.*) - ARRAY[${table.generated.map((c) => `'${c}'`).join(', ')}]::text[])::text`;

/**
 * The next batch of one customer's rows in primary-key order, after `afterKey`.
 * Run inside the customer's tenant transaction (row-level security already
 * confines it; the `customer_id` condition says so once more).
 */
export const readBatch = (
  sql: SqlClient.SqlClient,
  table: CustomerTable,
  customerId: string,
  afterKey: string | undefined,
  limit: number,
) => {
  const key = table.primaryKey.map((c) => `t.${quoted(c)}`).join(', ');
  const keyOfCursor = table.primaryKey.map((c) => `k.${quoted(c)}`).join(', ');
  const name = quoted(table.name);
  return sql
    .unsafe<{ row: string }>(
      `SELECT ${rowJson(table)} AS row FROM ${name} AS t
       WHERE t.customer_id = $1::uuid
         AND ($2::jsonb IS NULL OR (${key}) > (SELECT ${keyOfCursor} FROM jsonb_populate_record(NULL::${name}, $2::jsonb) AS k))
       ORDER BY ${key} LIMIT $3`,
      [customerId, afterKey ?? null, limit],
    )
    .pipe(
      Effect.map((result): RowBatch => {
        const rows = result.map((r) => r.row);
        const last = rows.at(-1);
        if (last === undefined) return { rows, lastKey: undefined };
        const parsed = JSON.parse(last) as Record<string, unknown>;
        return { rows, lastKey: JSON.stringify(Object.fromEntries(table.primaryKey.map((c) => [c, parsed[c]]))) };
      }),
    );
};

/**
 * Writes a batch into the same table of another database, idempotently: a
 * row already there is brought up to date (or left alone where updates are
 * not allowed, as in the append-only audit log), so a resumed or repeated
 * copy converges on the source.
 */
export const writeBatch = (
  sql: SqlClient.SqlClient,
  table: CustomerTable,
  rows: readonly string[],
  appendOnly: boolean,
) => {
  const columns = table.columns.map(quoted).join(', ');
  const updatable = table.columns.filter((c) => !table.primaryKey.includes(c));
  const onConflict =
    appendOnly || updatable.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updatable.map((c) => `${quoted(c)} = EXCLUDED.${quoted(c)}`).join(', ')}`;
  return sql.unsafe(
    `INSERT INTO ${quoted(table.name)} (${columns})
     SELECT ${columns} FROM jsonb_populate_recordset(NULL::${quoted(table.name)}, $1::jsonb)
     ON CONFLICT (${table.primaryKey.map(quoted).join(', ')}) ${onConflict}`,
    [`[${rows.join(',')}]`],
  );
};

/** Count and sha256 of one customer's rows of a table, in key order, on one side. */
export interface TableDigest {
  readonly count: number;
  readonly sha256: string;
}

/** Digests a table batch by batch (bounded memory); the same canonical text on both sides gives the same hash. */
export const digestTable = <E, R>(
  inTransaction: (effect: Effect.Effect<RowBatch, unknown, never>) => Effect.Effect<RowBatch, E, R>,
  sql: SqlClient.SqlClient,
  table: CustomerTable,
  customerId: string,
  batchSize: number,
) =>
  Effect.gen(function* () {
    const hash = createHash('sha256');
    let count = 0;
    let after: string | undefined;
    for (;;) {
      const batch = yield* inTransaction(
        Effect.andThen(
          // Timestamps render in one zone on both sides, whatever the servers' defaults.
          sql`SELECT set_config('TimeZone', 'UTC', true)`,
          readBatch(sql, table, customerId, after, batchSize),
        ) as Effect.Effect<RowBatch, unknown, never>,
      );
      for (const row of batch.rows) hash.update(row).update('\n');
      count += batch.rows.length;
      if (batch.rows.length < batchSize || batch.lastKey === undefined) break;
      after = batch.lastKey;
    }
    return { count, sha256: hash.digest('hex') } satisfies TableDigest as TableDigest;
  });
