import { type Effect, Layer, ManagedRuntime } from 'effect';
import { afterAll, beforeAll } from 'vitest';
import { TenantSql } from '../../src/services/db/index.js';
import type { TestDatabase } from './database.js';

type Runtime = ManagedRuntime.ManagedRuntime<TenantSql, unknown>;

/**
 * A database for the enclosing `describe`: opened before its tests (then
 * `seed` runs), with a TenantSql runtime over its application role, and both
 * closed after. `run` runs an effect through that runtime; `database()` is
 * the open database (its admin layer, roles).
 */
export const useTenantDatabase = (
  open: () => Promise<TestDatabase>,
  seed: (run: <A, E>(effect: Effect.Effect<A, E, TenantSql>) => Promise<A>) => Promise<unknown> = async () => {},
) => {
  let db: TestDatabase | undefined;
  let runtime: Runtime | undefined;
  const run = <A, E>(effect: Effect.Effect<A, E, TenantSql>): Promise<A> => {
    if (!runtime) throw new Error('useTenantDatabase: the database is not open yet (use run inside a test or hook)');
    return runtime.runPromise(effect);
  };
  beforeAll(async () => {
    db = await open();
    runtime = ManagedRuntime.make(TenantSql.layer().pipe(Layer.provide(db.appLayer))) as Runtime;
    await seed(run);
  }, 120_000);
  afterAll(async () => {
    await runtime?.dispose();
    await db?.close();
  });
  const database = (): TestDatabase => {
    if (!db) throw new Error('useTenantDatabase: the database is not open yet');
    return db;
  };
  return { run, database };
};
