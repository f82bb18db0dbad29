import { Effect, Layer, ManagedRuntime } from 'effect';
import type { SqlClient } from 'effect/sql';
import { expect } from 'vitest';
import { TenantSql } from '../../src/services/db/index.js';
import { describeIsolation } from '../db/isolation-suite.js';
import { only, type Snapshot, seedCustomer, snapshot } from '../services/promotion/fixtures.js';
import { openServerDatabase, type TestDatabase } from '../support/database.js';

/**
 * The database issue's isolation suite, run against a pooled database that
 * already holds several customers with data in every table (as the pooled
 * cluster does), and afterwards the proof that nothing the suite did — its
 * forged inserts, cross-tenant updates and deletes, privilege attempts —
 * touched any of them.
 */
const RESIDENTS = [1, 2, 3, 4].map((n) => `00000000-0000-4000-c000-${n.toString(16).padStart(12, '0')}`);

const snapshotOf = (db: TestDatabase) =>
  Effect.runPromise(
    snapshot.pipe(
      Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>),
      Effect.scoped,
    ) as Effect.Effect<Snapshot>,
  );

const openPooledDatabase = async (): Promise<TestDatabase> => {
  const db = await openServerDatabase({ maxConnections: 8 });
  const runtime = ManagedRuntime.make(Layer.provideMerge(TenantSql.layer({ retries: 2 }), db.appLayer));
  await runtime.runPromise(
    Effect.gen(function* () {
      const tenant = yield* TenantSql;
      yield* Effect.forEach(RESIDENTS, (id, i) => seedCustomer(tenant, id, `resident-${i + 1}`), { concurrency: 4 });
    }),
  );
  await runtime.dispose();
  const residentsBefore = only(await snapshotOf(db), (c) => RESIDENTS.includes(c));
  expect(Object.values(residentsBefore.communications ?? {})).toHaveLength(RESIDENTS.length);
  return {
    ...db,
    description: `${db.description}, pooled with ${RESIDENTS.length} resident customers`,
    close: async () => {
      try {
        // The residents' rows, hash for hash, exactly as before the suite ran.
        expect(only(await snapshotOf(db), (c) => RESIDENTS.includes(c))).toEqual(residentsBefore);
      } finally {
        await db.close();
      }
    },
  };
};

describeIsolation('a pooled database holding several customers (PostgreSQL server)', openPooledDatabase, {
  vector: false,
  statementTimeout: true,
  owner: true,
});
