import { Context, Duration, Effect, Layer, Option, Schedule } from 'effect';
import { SqlClient } from 'effect/sql';
import { isSqlError, type SqlError } from 'effect/sql/SqlError';
import {
  DatabaseQueryError,
  DuplicateRowError,
  InvalidCustomerIdError,
  StatementTimeoutError,
  TenantIsolationError,
  type TenantSqlError,
  TransientDatabaseError,
} from './errors.js';
import { postgresDetails } from './sql-error.js';

/** Settings of the tenant-scoped service. */
export interface TenantSqlOptions {
  /**
   * `statement_timeout` for every statement of a tenant transaction (set
   * with `set_config(..., true)`, so it ends with the transaction).
   * @default 30 seconds
   */
  readonly statementTimeout?: Duration.Input;
  /**
   * How many times a whole transaction is retried after a connection loss,
   * serialization failure, deadlock or unique violation.
   * @default 4
   */
  readonly retries?: number;
  /**
   * First backoff delay; doubles per retry, jittered.
   * @default 25 millis
   */
  readonly retryBaseDelay?: Duration.Input;
}

/** The customer whose transaction the current fiber is inside, if any. */
export const CurrentCustomerId = Context.Reference<string | undefined>('panops/services/db/CurrentCustomerId', {
  defaultValue: () => undefined,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SqlError reasons that a fresh attempt of the whole transaction can cure. */
const RETRYABLE_REASONS = new Set(['ConnectionError', 'SerializationError', 'DeadlockError', 'UniqueViolation']);

/**
 * The only way services touch customer data.
 *
 * `withCustomer(customerId, effect)` runs `effect` inside ONE transaction
 * whose first statement is `panops_set_tenant(customerId)` (sql/0008): the
 * tenant is bound to that transaction only (a session-level setting grants
 * nothing), so a pooled connection never carries it to its next borrower,
 * and every statement of `effect` made through `sql` (this
 * service's client, or the `SqlClient` in context) sees only that customer's
 * rows under forced row-level security. Without `withCustomer` the database
 * returns no rows and refuses writes.
 *
 * Failures come back typed (`TenantSqlError`): retryable ones are retried
 * with the whole transaction, an RLS refusal is logged at error level as a
 * `TenantIsolationError` and never retried.
 */
export class TenantSql extends Context.Service<
  TenantSql,
  {
    /** The client to build statements with inside `withCustomer`. */
    readonly sql: SqlClient.SqlClient;
    /** Runs `effect` as `customerId` in one transaction (see the class comment). */
    readonly withCustomer: <A, E, R>(
      customerId: string,
      effect: Effect.Effect<A, E, R>,
    ) => Effect.Effect<A, Exclude<E, SqlError> | TenantSqlError, R>;
  }
>()('panops/services/db/TenantSql') {
  /** The service over the `SqlClient` in context (connected as the application role). */
  static readonly layer = (options: TenantSqlOptions = {}): Layer.Layer<TenantSql, never, SqlClient.SqlClient> =>
    Layer.effect(TenantSql, makeTenantSql(options));
}

/** Builds the service; exposed for callers that hold a `SqlClient` without layers. */
export const makeTenantSql = Effect.fnUntraced(function* (options: TenantSqlOptions = {}) {
  const sql = yield* SqlClient.SqlClient;
  const timeoutMillis = Duration.toMillis(Duration.fromInputUnsafe(options.statementTimeout ?? '30 seconds'));
  const retries = options.retries ?? 4;
  const retrySchedule = Schedule.exponential(options.retryBaseDelay ?? '25 millis').pipe(Schedule.jittered);

  const withCustomer = <A, E, R>(
    customerId: string,
    effect: Effect.Effect<A, E, R>,
  ): Effect.Effect<A, Exclude<E, SqlError> | TenantSqlError, R> =>
    Effect.gen(function* () {
      if (typeof customerId !== 'string' || !UUID.test(customerId)) {
        return yield* new InvalidCustomerIdError({ customerId: String(customerId) });
      }
      const current = yield* CurrentCustomerId;
      if (current !== undefined) {
        // Already inside this customer's transaction: join it.
        if (current.toLowerCase() === customerId.toLowerCase()) return yield* effect;
        return yield* Effect.die(
          new Error(`withCustomer(${customerId}) called inside the transaction of customer ${current}`),
        );
      }
      // A tenant setting made inside someone else's transaction would outlive this call.
      const outer = yield* Effect.serviceOption(sql.transactionService);
      if (Option.isSome(outer)) {
        return yield* Effect.die(new Error('withCustomer must start the transaction, not join an existing one'));
      }
      let attempts = 0;
      const attempt = Effect.suspend(() => {
        attempts++;
        return sql.withTransaction(
          Effect.andThen(
            sql`SELECT panops_set_tenant(${customerId}::uuid), set_config('statement_timeout', ${String(timeoutMillis)}, true)`,
            effect,
          ),
        );
      });
      return yield* attempt.pipe(
        Effect.provideService(CurrentCustomerId, customerId),
        Effect.retry({
          schedule: retrySchedule,
          times: retries,
          while: (error) => isSqlError(error) && RETRYABLE_REASONS.has(error.reason._tag),
        }),
        Effect.catchIf(isSqlError, (error) => classify(error as SqlError, customerId, attempts, timeoutMillis)),
      );
    }) as Effect.Effect<A, Exclude<E, SqlError> | TenantSqlError, R>;

  return TenantSql.of({ sql, withCustomer });
});

/** Maps a SqlError to the service's typed errors; an isolation refusal is logged loudly first. */
const classify = (
  error: SqlError,
  customerId: string,
  attempts: number,
  timeoutMillis: number,
): Effect.Effect<never, TenantSqlError> => {
  const reason = error.reason;
  const { message } = postgresDetails(error);
  switch (reason._tag) {
    case 'AuthorizationError':
      return Effect.logError('TENANT ISOLATION: the database refused a cross-tenant or privileged operation').pipe(
        Effect.annotateLogs({ customerId, postgresMessage: message }),
        Effect.andThen(Effect.fail(new TenantIsolationError({ customerId, message, cause: error }))),
      );
    case 'UniqueViolation':
      return Effect.fail(new DuplicateRowError({ customerId, constraint: reason.constraint, message, cause: error }));
    case 'ConnectionError':
    case 'SerializationError':
    case 'DeadlockError':
      return Effect.fail(
        new TransientDatabaseError({ customerId, reason: reason._tag, attempts, message, cause: error }),
      );
    case 'StatementTimeoutError':
      return Effect.fail(new StatementTimeoutError({ customerId, timeoutMillis, message, cause: error }));
    default:
      return Effect.fail(new DatabaseQueryError({ customerId, reason: reason._tag, message, cause: error }));
  }
};
