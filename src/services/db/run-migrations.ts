import type { ConnectionOptions } from 'node:tls';
import { Effect, Redacted } from 'effect';
import { type MigrateOptions, type MigrationReport, migrate } from './migrate.js';
import { postgresDatabaseLayer } from './postgres.js';

/** Input of the plain async migration entry point. */
export interface RunMigrationsInput extends MigrateOptions {
  /** An ADMINISTRATOR connection (Aurora master user): it creates the roles and extensions. */
  readonly connection: {
    /** `postgres://master@cluster:5432/archive` */
    readonly url: string;
    /** Overrides the URL's password (e.g. from Secrets Manager). @default from the URL */
    readonly password?: string;
    /** TLS for Aurora. @default none */
    readonly ssl?: boolean | ConnectionOptions;
  };
}

/**
 * Applies the `sql/` migrations: the plain async entry for a Lambda custom
 * resource handler or a CLI. Same runner as `migrate` (one connection).
 */
export const runMigrations = (input: RunMigrationsInput): Promise<MigrationReport> => {
  const { connection, ...options } = input;
  return Effect.runPromise(
    migrate(options).pipe(
      Effect.provide(
        postgresDatabaseLayer({
          url: connection.url,
          maxConnections: 1,
          applicationName: 'panops-migrations',
          ...(connection.password === undefined ? {} : { password: Redacted.make(connection.password) }),
          ...(connection.ssl === undefined ? {} : { ssl: connection.ssl }),
        }),
      ),
      Effect.scoped,
    ),
  );
};
