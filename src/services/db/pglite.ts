import { PgClient } from '@effect/sql-pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { Effect, Layer } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';
import { type MigrateOptions, type MigrationReport, migrate } from './migrate.js';
import { DEFAULT_MIGRATION_PARAMETERS } from './migrations.js';
import { pgliteStream } from './pglite-stream.js';

/** Where and how to open the embedded database. */
export interface PgliteDatabaseOptions extends MigrateOptions {
  /**
   * PGlite data directory (`./.local/pgdata`, `idb://...`); reopening one is ~1 s
   * instead of an initdb.
   * @default in memory
   */
  readonly dataDir?: string;
}

/** An embedded PostgreSQL (PGlite, with pgvector and pg_trgm), migrated, whose session is the application role. */
export interface PgliteDatabase {
  /** The PGlite instance; its one session is now the application role, not a superuser. */
  readonly pglite: PGlite;
  /** `PgClient` + `SqlClient` over one in-process connection, as the application role. */
  readonly layer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError>;
  /** What the migration run did. */
  readonly migrations: MigrationReport;
  /** The application role the session runs as. */
  readonly appRole: string;
  readonly close: () => Promise<void>;
}

/** A PgClient layer over one in-process connection to `pglite`. */
export const pgliteClientLayer = (pglite: PGlite): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError> =>
  PgClient.layerFrom(
    PgClient.makeClient({ stream: () => pgliteStream(pglite), username: 'postgres', database: 'postgres' }),
  );

/**
 * Opens PGlite, applies the migrations as its bootstrap superuser, then
 * switches the single session to the application role with
 * `SET SESSION AUTHORIZATION`, so every later query — including `SET ROLE`
 * attempts — is checked as that NOSUPERUSER, non-owner role and forced RLS
 * holds exactly as on PostgreSQL 15. (PGlite's own `username` option only
 * sets the current role; its session user stays a superuser who may
 * `SET ROLE` to anyone.) Limitation: in-process code can still call
 * `RESET SESSION AUTHORIZATION` on the PGlite instance itself; PGlite is the
 * local and test database, not a security boundary.
 */
export const openPgliteDatabase = async (options: PgliteDatabaseOptions = {}): Promise<PgliteDatabase> => {
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    extensions: { vector, pg_trgm },
  });
  try {
    const migrations = await Effect.runPromise(
      migrate(options).pipe(Effect.provide(pgliteClientLayer(pglite)), Effect.scoped),
    );
    const appRole = options.appRole ?? DEFAULT_MIGRATION_PARAMETERS.appRole;
    await pglite.exec(`SET SESSION AUTHORIZATION "${appRole}"`);
    return { pglite, layer: pgliteClientLayer(pglite), migrations, appRole, close: () => pglite.close() };
  } catch (error) {
    await pglite.close();
    throw error;
  }
};

/** The embedded database as a layer (local runs): opened and migrated on build, closed with the scope. */
export const pgliteDatabaseLayer = (
  options: PgliteDatabaseOptions = {},
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, SqlError | Error> =>
  Layer.unwrap(
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => openPgliteDatabase(options),
        catch: (cause) => (cause instanceof Error ? cause : new Error(String(cause))),
      }),
      (db) => Effect.promise(() => db.close()),
    ).pipe(Effect.map((db) => db.layer)),
  );
