/**
 * RLS under real concurrency: a pool of 8 application-role connections on the
 * PostgreSQL 15 server, 64 fibers, 5,000 transactions across 40 tenants in
 * random order with random delays inside the transactions, and some
 * borrowers that leave a session-level tenant on their connection (the bug
 * the seed's `SET app.current_customer_id` would be). Zero rows of another
 * tenant may ever be read or written.
 */
import { Effect, Layer, ManagedRuntime, Random } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSql } from '../../src/services/db/index.js';
import { openServerDatabase, type TestDatabase } from '../support/database.js';
import { createCustomer, customerId } from './isolation-suite.js';

const TENANTS = Array.from({ length: 40 }, (_, i) => customerId(0x5000 + i));
const TRANSACTIONS = 5_000;
const FIBERS = 64;

describe('tenant isolation under concurrency on the PostgreSQL server', () => {
  let db: TestDatabase;
  let runtime: ManagedRuntime.ManagedRuntime<TenantSql | SqlClient.SqlClient, unknown>;

  beforeAll(async () => {
    db = await openServerDatabase({ maxConnections: 8 });
    runtime = ManagedRuntime.make(Layer.provideMerge(TenantSql.layer(), db.appLayer));
    await runtime.runPromise(Effect.forEach(TENANTS, createCustomer, { concurrency: 8 }));
  });
  afterAll(async () => {
    await runtime?.dispose();
    await db?.close();
  });

  it('5,000 interleaved transactions of 40 tenants over 8 pooled connections never see or write another tenant’s row', async () => {
    const transaction = (n: number) =>
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        const sql = tenant.sql;
        const me = TENANTS[(yield* Random.nextIntBetween(0, TENANTS.length - 1)) % TENANTS.length] as string;
        const action = yield* Random.nextIntBetween(0, 10);
        const pause = yield* Random.nextIntBetween(0, 3);
        if (action === 0) {
          // A careless borrower: session-level tenant left on the pooled connection.
          const other = TENANTS[(n * 7) % TENANTS.length] as string;
          yield* sql`SELECT set_config('app.current_customer_id', ${other}, false)`;
          return { foreign: 0, written: 0 };
        }
        return yield* tenant.withCustomer(
          me,
          Effect.gen(function* () {
            if (pause > 0) yield* Effect.sleep(`${pause} millis`);
            if (action <= 5) {
              yield* sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, body_text)
                         VALUES (${me}, 'slack', ${`tx-${n}`}, 'chat', now(), ${me})`;
              if (pause > 1) yield* Effect.sleep(`${pause} millis`);
              const rows = yield* sql<{ customer_id: string; body_text: string }>`
                SELECT customer_id, body_text FROM communications ORDER BY sent_at DESC LIMIT 20`;
              return { foreign: rows.filter((r) => r.customer_id !== me || r.body_text !== me).length, written: 1 };
            }
            const rows = yield* sql<{ customer_id: string; body_text: string }>`
              SELECT customer_id, body_text FROM communications`;
            const updated = yield* sql<{ customer_id: string }>`
              UPDATE communications SET subject = ${`seen by ${n}`}
              WHERE external_id = ${`tx-${n - 1}`} RETURNING customer_id`;
            return {
              foreign:
                rows.filter((r) => r.customer_id !== me || r.body_text !== me).length +
                updated.filter((r) => r.customer_id !== me).length,
              written: 0,
            };
          }),
        );
      });

    const started = Date.now();
    const results = await runtime.runPromise(
      Effect.forEach(
        Array.from({ length: TRANSACTIONS }, (_, n) => n),
        transaction,
        { concurrency: FIBERS },
      ),
    );
    const elapsed = Date.now() - started;

    const foreign = results.reduce((sum, r) => sum + r.foreign, 0);
    const written = results.reduce((sum, r) => sum + r.written, 0);
    expect(results).toHaveLength(TRANSACTIONS);
    expect(foreign).toBe(0);
    expect(written).toBeGreaterThan(TRANSACTIONS / 3);

    // Every stored row was written by its own tenant: body_text carries the writer's id.
    const admin = db.adminLayer;
    if (!admin) throw new Error('the server database has an administrator layer');
    const stored = await Effect.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ mismatched: number; total: number }>`
          SELECT count(*) FILTER (WHERE body_text <> customer_id::text)::int AS mismatched, count(*)::int AS total
          FROM communications WHERE platform = 'slack'`,
      ).pipe(Effect.provide(admin), Effect.scoped),
    );
    expect(stored[0]).toEqual({ mismatched: 0, total: written });
    console.info(`[concurrency] ${TRANSACTIONS} transactions, ${FIBERS} fibers, pool of 8: ${elapsed} ms`);
  });
});
