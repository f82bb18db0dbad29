/**
 * A dedicated database bound to its one customer (sql/0010) refuses every
 * other customer: the application role cannot become another tenant or add
 * its row, an administrator's insert is refused too (a trigger, not RLS),
 * and the binding can be neither changed nor made by the application role.
 */
import { Effect, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSql } from '../../src/services/db/index.js';
import { postgresDetails } from '../../src/services/db/sql-error.js';
import { openServerDatabase, type TestDatabase } from '../support/database.js';
import { createCustomer, customerId, insertCommunication } from './isolation-suite.js';

const OWN = customerId(0xd1);
const OTHER = customerId(0xd2);

describe('a dedicated database bound to its customer (PostgreSQL server)', () => {
  let db: TestDatabase;
  let runtime: ManagedRuntime.ManagedRuntime<TenantSql | SqlClient.SqlClient, unknown>;
  const asOwner = <A>(statement: (sql: SqlClient.SqlClient) => Effect.Effect<A, unknown>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        return yield* sql.withTransaction(
          Effect.andThen(sql.unsafe(`SET LOCAL ROLE "${db.ownerRole}"`).unprepared, statement(sql)),
        );
      }).pipe(Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>), Effect.scoped) as Effect.Effect<A>,
    );
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'succeeded',
      (error: unknown) => postgresDetails(error).message,
    );

  beforeAll(async () => {
    db = await openServerDatabase({ maxConnections: 2 });
    runtime = ManagedRuntime.make(Layer.provideMerge(TenantSql.layer({ retries: 0 }), db.appLayer));
    await runtime.runPromise(createCustomer(OWN));
    await asOwner((sql) => sql`SELECT panops_bind_database(${OWN}::uuid)`);
  });
  afterAll(async () => {
    await runtime?.dispose();
    await db?.close();
  });

  it('serves its own customer', async () => {
    await runtime.runPromise(insertCommunication(OWN, 'own-1'));
    const [bound] = await runtime.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ bound: string }>`SELECT panops_bound_customer_id() AS bound`),
    );
    expect(bound?.bound).toBe(OWN);
  });

  it('refuses another customer: as a tenant, as its customers row, even from an administrator', async () => {
    const asTenant = await runtime.runPromise(Effect.flip(createCustomer(OTHER)));
    expect(asTenant._tag).toBe('TenantIsolationError');
    expect(asTenant.message).toMatch(/bound to customer/);
    const admin = await failureOf(
      Effect.runPromise(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${OTHER}, 'other', 'Other')`,
        ).pipe(
          Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>),
          Effect.scoped,
        ) as Effect.Effect<unknown>,
      ),
    );
    expect(admin).toMatch(/bound to customer/);
  });

  it('keeps its binding: rebinding to another customer and binding by the application role are refused', async () => {
    expect(await failureOf(asOwner((sql) => sql`SELECT panops_bind_database(${OTHER}::uuid)`))).toMatch(
      /bound to customer/,
    );
    const byApp = await failureOf(
      runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT panops_bind_database(${OWN}::uuid)`)),
    );
    expect(byApp).toMatch(/permission denied/);
    const binding = await failureOf(
      runtime.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT * FROM panops_database_binding`)),
    );
    expect(binding).toMatch(/permission denied/);
  });
});
