import type { ConnectionOptions } from 'node:tls';
import type { MigrationSource } from '../../services/db/migrations.js';
import { runMigrations } from '../../services/db/run-migrations.js';

/** Where, as whom and what to migrate. */
export interface MigrationTarget {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /** The master user (from the RDS-managed secret). */
  readonly user: string;
  readonly password: string;
  /** Login role of the services, created by the migrations and granted `rds_iam`. */
  readonly appRole: string;
  /** The `sql/` files, as the stack shipped them. */
  readonly migrations: readonly MigrationSource[];
  /** A dedicated database's customer (from the blueprint): the database is bound to it after migrating. */
  readonly customerId?: string;
}

/** What the migrations did, reported back to CloudFormation as the custom resource's data. */
export interface MigrationOutcome {
  readonly applied: readonly string[];
  readonly alreadyApplied: readonly string[];
  readonly skipped: readonly string[];
  /** The customer the database is bound to (dedicated databases only). */
  readonly boundCustomerId?: string;
}

/**
 * Runs the database migrations against a freshly deployed or updated customer
 * cluster through the database engineer's runner (`src/services/db`):
 * idempotent, one transaction per file, serialized by an advisory lock.
 * A dedicated database is then bound to its customer (sql/0010), as the owner.
 * TLS is verified against the RDS CA certificates by default.
 */
export const runTenantMigrations = async (
  target: MigrationTarget,
  tls: boolean | ConnectionOptions = { rejectUnauthorized: true, servername: target.host },
): Promise<MigrationOutcome> => {
  const url = `postgres://${encodeURIComponent(target.user)}@${target.host}:${target.port}/${encodeURIComponent(target.database)}`;
  const report = await runMigrations({
    connection: { url, password: target.password, ssl: tls },
    migrations: target.migrations,
    appRole: target.appRole,
    ...(target.customerId === undefined ? {} : { bindToCustomer: target.customerId }),
  });
  return {
    applied: report.applied,
    alreadyApplied: report.alreadyApplied,
    skipped: report.skipped.map((s) => `${s.name} (needs ${s.missingExtensions.join(', ')})`),
    ...(report.boundCustomerId === undefined ? {} : { boundCustomerId: report.boundCustomerId }),
  };
};
