/**
 * Test databases for every suite that touches the archive schema.
 *
 * `openTestDatabase()` picks, in order, and says which it used:
 *   1. `DATABASE_URL` (an administrator URL of a PostgreSQL server),
 *   2. a `pgvector/pgvector:pg15` container, if a container engine answers,
 *   3. embedded PGlite (pgvector + pg_trgm), the default on a laptop.
 * On a server it creates a scratch database and scratch roles, migrates it,
 * and drops them on `close()`, so test files never collide.
 *
 * `openServerDatabase()` always uses a real server (`PANOPS_TEST_PG_URL`,
 * default postgres://postgres@127.0.0.1:5432/postgres): for concurrency
 * tests that need a real connection pool.
 */
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PgClient } from '@effect/sql-pg';
import { Effect, type Layer, Redacted } from 'effect';
import { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';
import {
  type MigrationReport,
  type MigrationSource,
  migrate,
  openPgliteDatabase,
  postgresDatabaseLayer,
} from '../../src/services/db/index.js';

export type TestDatabaseKind = 'DATABASE_URL' | 'PANOPS_TEST_PG_URL' | 'testcontainers' | 'pglite';

export interface TestDatabase {
  readonly kind: TestDatabaseKind;
  /** One line naming the engine and where it runs (logged when opened). */
  readonly description: string;
  /** Whether pgvector is installed (the `chunks.embedding` column exists). */
  readonly hasVector: boolean;
  /** `PgClient`/`SqlClient` connected as the application role (NOSUPERUSER, owns nothing). */
  readonly appLayer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError>;
  /**
   * The same database as a superuser (bypasses RLS): for assertions about all
   * rows. Absent on PGlite, whose single session is the application role.
   */
  readonly adminLayer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError> | undefined;
  readonly appRole: string;
  readonly ownerRole: string;
  readonly migrations: MigrationReport;
  readonly close: () => Promise<void>;
}

export interface OpenOptions {
  /** Pool size of `appLayer` on a server. @default 8 */
  readonly maxConnections?: number;
  /** Dimension of chunks.embedding. @default 384 */
  readonly embeddingDimensions?: number;
  /** The migrations to apply (a server only: an earlier schema, to test a later file on data). @default all of sql/ */
  readonly migrations?: readonly MigrationSource[];
}

/** Where migrated PGlite templates are kept between test runs (ignored by git). */
const PGLITE_TEMPLATE_CACHE = join(tmpdir(), 'panops-pglite-templates');

/** The local/CI PostgreSQL 15 (trust auth, no pgvector). */
export const TEST_SERVER_URL = process.env.PANOPS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const openTestDatabase = async (options: OpenOptions = {}): Promise<TestDatabase> => {
  const fromEnv = process.env.DATABASE_URL;
  let db: TestDatabase | undefined;
  if (fromEnv) db = await openServerDatabase({ ...options, adminUrl: fromEnv, kind: 'DATABASE_URL' });
  db ??= await openContainerDatabase(options);
  db ??= await openPgliteTestDatabase(options);
  console.info(`[test database] ${db.description}`);
  return db;
};

/** Embedded PGlite, migrated, session switched to the application role. */
export const openPgliteTestDatabase = async (options: OpenOptions = {}): Promise<TestDatabase> => {
  const db = await openPgliteDatabase({
    // A migrated template shared by all test files (first open pays initdb, the rest load it).
    templateCache: PGLITE_TEMPLATE_CACHE,
    ...(options.embeddingDimensions === undefined ? {} : { embeddingDimensions: options.embeddingDimensions }),
  });
  return {
    kind: 'pglite',
    description: 'PGlite (embedded PostgreSQL 18 in WASM, pgvector + pg_trgm), in memory',
    hasVector: db.migrations.skipped.length === 0,
    appLayer: db.layer,
    adminLayer: undefined,
    appRole: db.appRole,
    ownerRole: 'panops_owner',
    migrations: db.migrations,
    close: db.close,
  };
};

/**
 * A scratch database and scratch roles on a real server, migrated.
 * @param adminUrl a superuser URL; its database is only used to CREATE/DROP the scratch one.
 */
export const openServerDatabase = async (
  options: OpenOptions & { adminUrl?: string; kind?: TestDatabaseKind; closeExtra?: () => Promise<unknown> } = {},
): Promise<TestDatabase> => {
  const adminUrl = new URL(options.adminUrl ?? TEST_SERVER_URL);
  const suffix = randomBytes(5).toString('hex');
  const database = `panops_test_${suffix}`;
  const ownerRole = `panops_owner_${suffix}`;
  const appRole = `panops_app_${suffix}`;
  const appPassword = randomBytes(12).toString('hex');
  const maintenance = postgresDatabaseLayer({ url: adminUrl.toString(), maxConnections: 1 });
  const onMaintenance = <A>(effect: Effect.Effect<A, unknown, SqlClient.SqlClient>) =>
    Effect.runPromise(effect.pipe(Effect.provide(maintenance), Effect.scoped) as Effect.Effect<A, unknown>);

  await onMaintenance(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient;
      yield* sql.unsafe(`CREATE DATABASE "${database}"`).unprepared;
    }),
  );
  const scratchUrl = new URL(adminUrl);
  scratchUrl.pathname = `/${database}`;
  const adminLayer = postgresDatabaseLayer({ url: scratchUrl.toString(), maxConnections: 4 });
  const dropAll = async () => {
    await onMaintenance(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        yield* sql.unsafe(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).unprepared;
        yield* sql.unsafe(`DROP ROLE IF EXISTS "${appRole}"`).unprepared;
        yield* sql.unsafe(`DROP ROLE IF EXISTS "${ownerRole}"`).unprepared;
      }),
    );
  };
  try {
    const migrations = await Effect.runPromise(
      Effect.gen(function* () {
        const report = yield* migrate({
          ownerRole,
          appRole,
          ...(options.embeddingDimensions === undefined ? {} : { embeddingDimensions: options.embeddingDimensions }),
          ...(options.migrations ? { migrations: options.migrations } : {}),
        });
        const sql = yield* SqlClient.SqlClient;
        // A password, so servers without trust auth (containers) let the app role in.
        yield* sql.unsafe(`ALTER ROLE "${appRole}" PASSWORD '${appPassword}'`).unprepared;
        return report;
      }).pipe(Effect.provide(adminLayer), Effect.scoped),
    );
    const appUrl = new URL(scratchUrl);
    appUrl.username = appRole;
    appUrl.password = '';
    const appLayer = postgresDatabaseLayer({
      url: appUrl.toString(),
      password: Redacted.make(appPassword),
      maxConnections: options.maxConnections ?? 8,
    });
    const kind = options.kind ?? 'PANOPS_TEST_PG_URL';
    return {
      kind,
      description: `PostgreSQL server at ${adminUrl.host} (${kind}), scratch database ${database}`,
      hasVector: migrations.skipped.length === 0,
      appLayer,
      adminLayer,
      appRole,
      ownerRole,
      migrations,
      close: async () => {
        await dropAll();
        await options.closeExtra?.();
      },
    };
  } catch (error) {
    await dropAll().catch(() => undefined);
    throw error;
  }
};

/** A pgvector/pgvector:pg15 container, or undefined when no container engine answers. */
const openContainerDatabase = async (options: OpenOptions): Promise<TestDatabase | undefined> => {
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const password = randomBytes(12).toString('hex');
    const container = await new GenericContainer('pgvector/pgvector:pg15')
      .withEnvironment({ POSTGRES_PASSWORD: password })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .withStartupTimeout(120_000)
      .start();
    const adminUrl = `postgres://postgres:${password}@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    return await openServerDatabase({
      ...options,
      adminUrl,
      kind: 'testcontainers',
      closeExtra: () => container.stop(),
    });
  } catch (error) {
    console.info(`[test database] no container engine (${(error as Error).message.split('\n')[0]}); using PGlite`);
    return undefined;
  }
};
