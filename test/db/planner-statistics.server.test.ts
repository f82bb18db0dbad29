/**
 * Planner statistics leak nothing across tenants (#18 item 7, sql/0012): a
 * pooled tenant's EXPLAIN estimates do not say how often another tenant's
 * term occurs, after ANALYZE has run over both tenants' rows, and search
 * keeps the term as an index condition. (Per-tenant row counts through
 * customer_id statistics remain, stated in the pooled tier's isolation.) On PostgreSQL 15 (ANALYZE needs the owner or
 * an administrator; the application role only EXPLAINs).
 */
import { Effect, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSql } from '../../src/services/db/index.js';
import { openServerDatabase, type TestDatabase } from '../support/database.js';
import { createCustomer, customerId } from './isolation-suite.js';

const HOLDER = customerId(0x5a);
const PROBER = customerId(0x5b);

describe('planner statistics across tenants (PostgreSQL server)', () => {
  let db: TestDatabase;
  let runtime: ManagedRuntime.ManagedRuntime<TenantSql | SqlClient.SqlClient, unknown>;

  /** The planner's row estimate for a query, as the tenant sees it. */
  const estimate = (tenant: string, query: string) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const tenantSql = yield* TenantSql;
        const rows = yield* tenantSql.withCustomer(
          tenant,
          tenantSql.sql.unsafe<Record<string, unknown>>(`EXPLAIN (FORMAT JSON) ${query}`),
        );
        const plan = Object.values(rows[0] ?? {})[0];
        const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as [{ Plan: { 'Plan Rows': number } }];
        return parsed[0].Plan['Plan Rows'];
      }),
    );

  /** `count` chunks of one communication, each with this text (chunk_terms fills by trigger). */
  const chunks = (tenant: string, external: string, count: number, text: string) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const tenantSql = yield* TenantSql;
        yield* tenantSql.withCustomer(
          tenant,
          Effect.gen(function* () {
            const sql = tenantSql.sql;
            const [communication] = yield* sql<{ id: string }>`
              INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, body_text)
              VALUES (${tenant}, 'gmail', ${external}, 'email', now(), 'body') RETURNING id`;
            yield* sql`
              INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content)
              SELECT ${tenant}, ${communication?.id ?? ''}, 'communication', g, ${text} || ' ' || g
              FROM generate_series(0, ${count - 1}) AS g`;
          }),
        );
      }),
    );

  beforeAll(async () => {
    db = await openServerDatabase({ maxConnections: 2 });
    runtime = ManagedRuntime.make(Layer.provideMerge(TenantSql.layer({ retries: 0 }), db.appLayer));
    await runtime.runPromise(createCustomer(HOLDER));
    await runtime.runPromise(createCustomer(PROBER));
    // The holder's mail says "merger" 3,000 times; the prober's never.
    await chunks(HOLDER, 'holder-1', 3_000, 'merger');
    await chunks(PROBER, 'prober-1', 300, 'quarterly');
    await Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`ANALYZE`.unprepared).pipe(
        Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>),
        Effect.scoped,
      ) as Effect.Effect<unknown>,
    );
  }, 120_000);
  afterAll(async () => {
    await runtime?.dispose();
    await db?.close();
  });

  it('estimates another tenant’s frequent term exactly as a term nobody has', async () => {
    const frequent = await estimate(PROBER, `SELECT 1 FROM chunk_terms WHERE term = 'merger'`);
    const unseen = await estimate(PROBER, `SELECT 1 FROM chunk_terms WHERE term = 'zzzunseenterm'`);
    expect(frequent).toBe(unseen);
    // Ranges too: no histogram of other tenants' terms.
    const above = await estimate(PROBER, `SELECT 1 FROM chunk_terms WHERE term > 'm' AND term < 'n'`);
    const elsewhere = await estimate(PROBER, `SELECT 1 FROM chunk_terms WHERE term > 'x' AND term < 'y'`);
    expect(above).toBe(elsewhere);
  });

  it('still searches through the index under RLS', async () => {
    const plan = await runtime.runPromise(
      Effect.gen(function* () {
        const tenantSql = yield* TenantSql;
        return yield* tenantSql.withCustomer(
          PROBER,
          tenantSql.sql.unsafe<{ 'QUERY PLAN': string }>(
            `EXPLAIN SELECT chunk_id FROM chunk_terms t WHERE t.term = ANY (ARRAY(SELECT unnest(tsvector_to_array(to_tsvector('english', 'merger')))))`,
          ),
        );
      }),
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Cond: .*term = ANY/);
  });
});
