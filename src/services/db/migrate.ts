import { Effect } from 'effect';
import { SqlClient } from 'effect/sql';
import { MigrationChecksumMismatch, MigrationError } from './errors.js';
import {
  DEFAULT_MIGRATION_PARAMETERS,
  type Migration,
  type MigrationParameters,
  type MigrationSource,
  parseMigration,
  readMigrationSources,
  renderMigration,
} from './migrations.js';
import { postgresDetails } from './sql-error.js';
import { splitSqlStatements } from './sql-statements.js';

/** What `migrate` should apply, and with which role names and embedding dimension. */
export interface MigrateOptions extends Partial<MigrationParameters> {
  /** The migrations to apply. @default the files of the repository's `sql/` folder */
  readonly migrations?: readonly MigrationSource[];
}

/** What a run did, migration by migration (file names). */
export interface MigrationReport {
  /** Applied by this run. */
  readonly applied: readonly string[];
  /** Applied earlier (checksum verified). */
  readonly alreadyApplied: readonly string[];
  /** Not applied because the server lacks an extension; a later run applies them once it has it. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly missingExtensions: readonly string[] }>;
}

/** Serializes concurrent runners (two deploys, parallel test files) on one database. */
const MIGRATION_LOCK_KEY = 7_245_120_001;

/**
 * Applies the `sql/` migrations in order, each in its own transaction, on the
 * `SqlClient` in context, which must be an administrator (Aurora master
 * user, `postgres`, PGlite's bootstrap user): `run-as admin` files create
 * roles and extensions, every other file runs under `SET LOCAL ROLE` to the
 * owner role. Idempotent and safe to run concurrently (advisory lock);
 * refuses to continue if an applied file was edited.
 */
export const migrate = Effect.fn('db.migrate')(function* (options: MigrateOptions = {}) {
  const sql = yield* SqlClient.SqlClient;
  const parameters: MigrationParameters = {
    ownerRole: options.ownerRole ?? DEFAULT_MIGRATION_PARAMETERS.ownerRole,
    appRole: options.appRole ?? DEFAULT_MIGRATION_PARAMETERS.appRole,
    embeddingDimensions: options.embeddingDimensions ?? DEFAULT_MIGRATION_PARAMETERS.embeddingDimensions,
  };
  const migrations = (options.migrations ?? readMigrationSources()).map(parseMigration);
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  const skipped: Array<{ name: string; missingExtensions: string[] }> = [];

  yield* sql
    .withTransaction(
      Effect.andThen(
        sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`,
        sql`CREATE TABLE IF NOT EXISTS panops_schema_migrations (
          version integer PRIMARY KEY,
          name text NOT NULL UNIQUE,
          checksum text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`.unprepared,
      ),
    )
    .pipe(Effect.mapError((cause) => failed('panops_schema_migrations', cause)));

  for (const migration of migrations) {
    const outcome = yield* applyOne(sql, migration, parameters);
    if (outcome.kind === 'applied') applied.push(migration.name);
    else if (outcome.kind === 'already') alreadyApplied.push(migration.name);
    else skipped.push({ name: migration.name, missingExtensions: outcome.missing });
  }
  return { applied, alreadyApplied, skipped } satisfies MigrationReport as MigrationReport;
});

type Outcome = { kind: 'applied' } | { kind: 'already' } | { kind: 'skipped'; missing: string[] };

const applyOne = (
  sql: SqlClient.SqlClient,
  migration: Migration,
  parameters: MigrationParameters,
): Effect.Effect<Outcome, MigrationError | MigrationChecksumMismatch> =>
  Effect.gen(function* () {
    const statements = yield* Effect.try({
      try: () => splitSqlStatements(renderMigration(migration, parameters)),
      catch: (cause) => failed(migration.name, cause),
    });
    const run = Effect.gen(function* () {
      yield* sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      const existing = yield* sql<{
        checksum: string;
      }>`SELECT checksum FROM panops_schema_migrations WHERE version = ${migration.version}`;
      const previous = existing[0];
      if (previous) {
        if (previous.checksum !== migration.checksum) {
          return yield* new MigrationChecksumMismatch({
            migration: migration.name,
            appliedChecksum: previous.checksum,
            fileChecksum: migration.checksum,
          });
        }
        return { kind: 'already' } as Outcome;
      }
      if (migration.requiresExtensions.length > 0) {
        const available = yield* sql<{ name: string }>`SELECT name FROM pg_available_extensions WHERE name IN ${sql.in(
          migration.requiresExtensions,
        )}`;
        const missing = migration.requiresExtensions.filter((e) => !available.some((row) => row.name === e));
        if (missing.length > 0) return { kind: 'skipped', missing } as Outcome;
      }
      if (migration.runAs === 'owner') yield* sql.unsafe(`SET LOCAL ROLE "${parameters.ownerRole}"`).unprepared;
      for (const statement of statements) {
        yield* sql
          .unsafe(statement)
          .unprepared.pipe(Effect.mapError((cause) => failed(migration.name, cause, statement)));
      }
      if (migration.runAs === 'owner') yield* sql.unsafe('RESET ROLE').unprepared;
      yield* sql`INSERT INTO panops_schema_migrations (version, name, checksum)
        VALUES (${migration.version}, ${migration.name}, ${migration.checksum})`;
      return { kind: 'applied' } as Outcome;
    });
    return yield* sql
      .withTransaction(run)
      .pipe(
        Effect.mapError((error) =>
          error._tag === 'MigrationError' || error._tag === 'MigrationChecksumMismatch'
            ? error
            : failed(migration.name, error),
        ),
      );
  });

const failed = (migration: string, cause: unknown, statement?: string): MigrationError =>
  new MigrationError({
    migration,
    ...(statement === undefined ? {} : { statement: statement.slice(0, 500) }),
    message: `migration ${migration} failed: ${describe(cause)}`,
    cause,
  });

const describe = (cause: unknown): string => postgresDetails(cause).message;
