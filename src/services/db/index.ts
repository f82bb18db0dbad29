/**
 * The database of the archive: migrations, the tenant-scoped SQL service and
 * the database layers. Schema and isolation model: `sql/README.md`.
 *
 * How services use it (the ONLY way to touch customer data):
 *
 * ```ts
 * const db = yield* TenantSql;
 * const rows = yield* db.withCustomer(customerId, Effect.gen(function* () {
 *   yield* db.sql`INSERT INTO communications ${db.sql.insert(row)} ON CONFLICT DO NOTHING`;
 *   return yield* db.sql`SELECT id FROM communications WHERE platform = ${p} AND external_id = ${x}`;
 * }));
 * ```
 *
 * `withCustomer` opens one transaction, binds the tenant to it with
 * `panops_set_tenant` (a session-level setting grants nothing) and sets the
 * statement timeout, runs the effect, commits;
 * retries the whole transaction on connection loss / serialization failure /
 * deadlock / unique violation; turns an RLS or privilege refusal into a
 * logged `TenantIsolationError`. Queries outside it see no rows.
 *
 * Layers (provide one, plus `TenantSql.layer()`):
 * - `postgresDatabaseLayer({ url })` / `postgresDatabaseLayerFromEnv`
 *   (`DATABASE_URL`, `DATABASE_POOL_SIZE`): a server, as the application role.
 * - `openPgliteDatabase()` / `pgliteDatabaseLayer()`: embedded PGlite with
 *   pgvector + pg_trgm, migrated, its session switched to the application role.
 *
 * Migrations (run as an administrator connection):
 * - `migrate(options)`: Effect on the `SqlClient` in context.
 * - `runMigrations({ connection: { url, password?, ssl? }, ... })`: plain
 *   async entry for the deploy-time Lambda custom resource and CLIs.
 */
export { bindDatabase } from './bind-database.js';
export * from './errors.js';
export { type MigrateOptions, type MigrationReport, migrate } from './migrate.js';
export {
  DEFAULT_MIGRATION_PARAMETERS,
  DEFAULT_MIGRATIONS_DIRECTORY,
  type Migration,
  type MigrationParameters,
  type MigrationSource,
  readMigrationSources,
} from './migrations.js';
export {
  openPgliteDatabase,
  type PgliteDatabase,
  type PgliteDatabaseOptions,
  pgliteClientLayer,
  pgliteDatabaseLayer,
} from './pglite.js';
export {
  type PostgresDatabaseOptions,
  postgresDatabaseLayer,
  postgresDatabaseLayerFromEnv,
} from './postgres.js';
export {
  type DatabaseConnection,
  databaseKeyOf,
  makeTenantRouter,
  TenantRouter,
  type TenantRouterOptions,
} from './routing.js';
export * from './routing-errors.js';
export {
  type CustomerRoute,
  type DatabaseTier,
  fileRoutesLayer,
  memoryRoutesLayer,
  seedRoutes,
  TenantRoutes,
} from './routing-table.js';
export { type RunMigrationsInput, type RunMigrationsReport, runMigrations } from './run-migrations.js';
export { CurrentCustomerId, makeTenantSql, TenantSql, type TenantSqlOptions } from './tenant-sql.js';
export { searchChunksByText, type TextSearchHit } from './text-search.js';
