import { Schema } from 'effect';

/**
 * Failures of the tenant-scoped database service, classified from
 * PostgreSQL's SQLSTATE (via `SqlError.reason._tag`) so each has one policy:
 * retried with backoff (`TransientDatabaseError`, `DuplicateRowError` when a
 * whole-transaction retry is exhausted), never retried (`TenantIsolationError`,
 * `StatementTimeoutError`, `DatabaseQueryError`), or refused before any I/O
 * (`InvalidCustomerIdError`).
 */

/** A permission or row-level-security refusal: a tenant tried to touch what is not its own. Logged loudly; never retried. */
export class TenantIsolationError extends Schema.TaggedError<TenantIsolationError>()('TenantIsolationError', {
  customerId: Schema.String,
  /** PostgreSQL's message, e.g. `new row violates row-level security policy for table "communications"`. */
  message: Schema.String,
  cause: Schema.Defect(),
}) {}

/** The customer id is not a UUID; nothing was sent to the database. */
export class InvalidCustomerIdError extends Schema.TaggedError<InvalidCustomerIdError>()('InvalidCustomerIdError', {
  customerId: Schema.String,
}) {
  override get message() {
    return `customer id ${JSON.stringify(this.customerId)} is not a UUID`;
  }
}

/** A unique key was taken, still so after the transaction was retried (a real duplicate, not a race). */
export class DuplicateRowError extends Schema.TaggedError<DuplicateRowError>()('DuplicateRowError', {
  customerId: Schema.String,
  constraint: Schema.String,
  message: Schema.String,
  cause: Schema.Defect(),
}) {}

/** Connection lost, serialization failure or deadlock, still failing after the retries. */
export class TransientDatabaseError extends Schema.TaggedError<TransientDatabaseError>()('TransientDatabaseError', {
  customerId: Schema.String,
  /** The SqlError reason, e.g. `ConnectionError`, `SerializationError`, `DeadlockError`. */
  reason: Schema.String,
  attempts: Schema.Number,
  message: Schema.String,
  cause: Schema.Defect(),
}) {}

/** The transaction's statement_timeout fired. Not retried: the same statement would time out again. */
export class StatementTimeoutError extends Schema.TaggedError<StatementTimeoutError>()('StatementTimeoutError', {
  customerId: Schema.String,
  timeoutMillis: Schema.Number,
  message: Schema.String,
  cause: Schema.Defect(),
}) {}

/** Any other database failure (syntax, constraint, data error): a bug or bad input, not retried. */
export class DatabaseQueryError extends Schema.TaggedError<DatabaseQueryError>()('DatabaseQueryError', {
  customerId: Schema.String,
  reason: Schema.String,
  message: Schema.String,
  cause: Schema.Defect(),
}) {}

/** Every error `TenantSql.withCustomer` can add to the effect it runs. */
export type TenantSqlError =
  | TenantIsolationError
  | InvalidCustomerIdError
  | DuplicateRowError
  | TransientDatabaseError
  | StatementTimeoutError
  | DatabaseQueryError;

/** A migration could not be applied; `migration` names the file. */
export class MigrationError extends Schema.TaggedError<MigrationError>()('MigrationError', {
  migration: Schema.String,
  /** The statement that failed (first 500 characters), when one did. */
  statement: Schema.optional(Schema.String),
  message: Schema.String,
  cause: Schema.Defect(),
}) {}

/** An applied migration's file changed afterwards: migrations are append-only; add a new file instead. */
export class MigrationChecksumMismatch extends Schema.TaggedError<MigrationChecksumMismatch>()(
  'MigrationChecksumMismatch',
  {
    migration: Schema.String,
    appliedChecksum: Schema.String,
    fileChecksum: Schema.String,
  },
) {
  override get message() {
    return `migration ${this.migration} was applied with checksum ${this.appliedChecksum} but the file now hashes to ${this.fileChecksum}; never edit an applied migration, add a new one`;
  }
}

/** The database could not be bound to the customer: it is bound to another, or holds another customer's rows (sql/0010). */
export class DatabaseBindingRefused extends Schema.TaggedError<DatabaseBindingRefused>()('DatabaseBindingRefused', {
  customerId: Schema.String,
  message: Schema.String,
  cause: Schema.Defect(),
}) {}
