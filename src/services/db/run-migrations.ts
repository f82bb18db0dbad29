import type { ConnectionOptions } from 'node:tls';
import { Effect, Redacted } from 'effect';
import { bindDatabase } from './bind-database.js';
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
  /**
   * A dedicated database's customer: after migrating, the database is bound to
   * it (`bindDatabase`), refused if bound to another. Absent for the pooled
   * cluster, which is never bound.
   */
  readonly bindToCustomer?: string;
}

/** What a run did, plus the customer the database is bound to (when asked to bind). */
export interface RunMigrationsReport extends MigrationReport {
  readonly boundCustomerId?: string;
}

/**
 * Applies the `sql/` migrations: the plain async entry for a Lambda custom
 * resource handler or a CLI. Same runner as `migrate` (one connection);
 * with `bindToCustomer`, binds the database to that customer afterwards.
 */
export const runMigrations = (input: RunMigrationsInput): Promise<RunMigrationsReport> => {
  const { connection, bindToCustomer, ...options } = input;
  return Effect.runPromise(
    Effect.gen(function* () {
      const report = yield* migrate(options);
      if (bindToCustomer === undefined) return report as RunMigrationsReport;
      const boundCustomerId = yield* bindDatabase(bindToCustomer, options.ownerRole);
      return { ...report, boundCustomerId } satisfies RunMigrationsReport;
    }).pipe(
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
