import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PgClient } from '@effect/sql-pg';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { Effect, Layer } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';
import { type MigrateOptions, type MigrationReport, migrate } from './migrate.js';
import { DEFAULT_MIGRATION_PARAMETERS, readMigrationSources } from './migrations.js';
import { pgliteStream } from './pglite-stream.js';

/** Where and how to open the embedded database. */
export interface PgliteDatabaseOptions extends MigrateOptions {
  /**
   * PGlite data directory (`./.local/pgdata`, `idb://...`); reopening one is ~1 s
   * instead of an initdb.
   * @default in memory
   */
  readonly dataDir?: string;
  /**
   * A folder where a freshly migrated in-memory database is kept as a
   * template (keyed by the migrations, their parameters and the PGlite
   * version), so the next open loads it (~1 s) instead of running initdb
   * and the migrations (~6 s, far more on a busy machine). Ignored with `dataDir`.
   * @default no template cache
   */
  readonly templateCache?: string;
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
  const template = options.dataDir === undefined && options.templateCache ? templatePath(options) : undefined;
  const cached = template && existsSync(template) ? new Blob([readFileSync(template)]) : undefined;
  const pglite = await PGlite.create({
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(cached === undefined ? {} : { loadDataDir: cached }),
    extensions: { vector, pg_trgm },
  });
  try {
    // On a template this only verifies checksums; the report still tells what the schema holds.
    const migrations = await Effect.runPromise(
      migrate(options).pipe(Effect.provide(pgliteClientLayer(pglite)), Effect.scoped),
    );
    if (template && !cached) await saveTemplate(pglite, template);
    const appRole = options.appRole ?? DEFAULT_MIGRATION_PARAMETERS.appRole;
    await pglite.exec(`SET SESSION AUTHORIZATION "${appRole}"`);
    return { pglite, layer: pgliteClientLayer(pglite), migrations, appRole, close: () => pglite.close() };
  } catch (error) {
    await pglite.close();
    throw error;
  }
};

const PGLITE_VERSION = '0.5.14+pgvector-0.0.15';

const templatePath = (options: PgliteDatabaseOptions): string => {
  const hash = createHash('sha256');
  hash.update(PGLITE_VERSION);
  hash.update(JSON.stringify([options.ownerRole, options.appRole, options.embeddingDimensions]));
  for (const m of options.migrations ?? readMigrationSources()) hash.update(`${m.name}\0${m.text}\0`);
  return join(options.templateCache as string, `pglite-${hash.digest('hex').slice(0, 16)}.tar`);
};

/** Writes the template atomically (temp file + rename), so parallel test files never read half a file. */
const saveTemplate = async (pglite: PGlite, path: string): Promise<void> => {
  const dump = await pglite.dumpDataDir('none');
  const folder = join(path, '..');
  mkdirSync(folder, { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, Buffer.from(await dump.arrayBuffer()));
  renameSync(temporary, path);
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
