import { Cause, Context, Duration, Effect, Layer, RcMap, Schedule, type Scope } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';
import { TenantIsolationError, type TenantSqlError, TransientDatabaseError } from './errors.js';
import {
  CustomerRelocatingError,
  DatabaseNotConfiguredError,
  DatabasePoolsExhaustedError,
  type RoutingError,
  UnknownCustomerError,
} from './routing-errors.js';
import { type CustomerRoute, TenantRoutes } from './routing-table.js';
import { makeTenantSql, TenantSql, type TenantSqlOptions } from './tenant-sql.js';

/** How to reach one database as the application role; its pool size is that database's connection bound. */
export interface DatabaseConnection {
  readonly layer: Layer.Layer<SqlClient.SqlClient, SqlError | Error>;
}

export interface TenantRouterOptions {
  /** The pooled cluster. @default none (a pooled customer is then refused, never sent elsewhere) */
  readonly pooled?: DatabaseConnection;
  /** A dedicated customer's own database, or undefined when this process has no settings for it. */
  readonly dedicated: (customerId: string) => DatabaseConnection | undefined;
  /**
   * Databases open at once (the pooled cluster counts as one). With each
   * database's own pool size this bounds the process's connections: a worker
   * serving many customers holds at most `maxOpenDatabases` pools.
   * @default 8
   */
  readonly maxOpenDatabases?: number;
  /** How long an unused database pool stays open. @default 1 minute */
  readonly idleTimeToLive?: Duration.Input;
  /** How long a request waits for a pool slot when every one is in use. @default 5 seconds */
  readonly acquireTimeout?: Duration.Input;
  /** Settings of each database's tenant-scoped service. */
  readonly tenantSql?: TenantSqlOptions;
}

/** The key of a database in the router: the pooled cluster, or one dedicated customer's database. */
export const databaseKeyOf = (route: CustomerRoute): string =>
  route.tier === 'pooled' ? 'pooled' : `dedicated:${route.customerId}`;

const ROUTING_ERRORS = new Set([
  'UnknownCustomerError',
  'DatabaseNotConfiguredError',
  'CustomerRelocatingError',
  'DatabasePoolsExhaustedError',
  'RouteStoreError',
]);
const isRoutingError = (error: unknown): error is RoutingError =>
  typeof error === 'object' && error !== null && ROUTING_ERRORS.has((error as { _tag?: string })._tag ?? '');

const lower = (id: string) => (typeof id === 'string' ? id.toLowerCase() : String(id));

/**
 * The tenant-scoped SQL service, routed: each customer reaches the database
 * its route names (the pooled cluster or its own), through a bounded pool per
 * database. `withCustomer(id, effect)` runs `effect` in that customer's
 * transaction on that database (row-level security as in `TenantSql`);
 * `provide(id)(program)` gives `program` a `TenantSql` pinned to the
 * customer, whose `withCustomer` refuses every other customer id with a
 * `TenantIsolationError` before anything is sent: a customer id never
 * reaches a database that is not its own. An unknown customer, a database
 * this process cannot reach, and a customer frozen by a relocation are
 * refused before any connection.
 */
export class TenantRouter extends Context.Service<
  TenantRouter,
  {
    /** The customer's current route (refusing unknown and relocating customers). */
    readonly resolve: (customerId: string) => Effect.Effect<CustomerRoute, RoutingError>;
    /** Runs `program` with `TenantSql` pinned to the customer's database and to the customer. */
    readonly provide: (
      customerId: string,
    ) => <A, E, R>(
      program: Effect.Effect<A, E, R>,
    ) => Effect.Effect<A, E | RoutingError | TransientDatabaseError, Exclude<R, TenantSql>>;
    /** `TenantSql.withCustomer` on the customer's own database. */
    readonly withCustomer: <A, E, R>(
      customerId: string,
      effect: Effect.Effect<A, E, R>,
    ) => Effect.Effect<A, Exclude<E, SqlError> | TenantSqlError | RoutingError, Exclude<R, TenantSql>>;
  }
>()('panops/services/db/TenantRouter') {
  /** The router over the `TenantRoutes` in context; closes every pool with its scope. */
  static readonly layer = (options: TenantRouterOptions): Layer.Layer<TenantRouter, never, TenantRoutes> =>
    Layer.effect(TenantRouter, makeTenantRouter(options));
}

/** A `TenantSql` that serves exactly one customer. */
const pinnedTo = (customerId: string, inner: TenantSql['Service']): TenantSql['Service'] =>
  TenantSql.of({
    sql: inner.sql,
    withCustomer: (requested, effect) =>
      lower(requested) === customerId
        ? inner.withCustomer(requested, effect)
        : Effect.logError('TENANT ISOLATION: a customer id was sent towards another customer’s database').pipe(
            Effect.annotateLogs({ routedCustomer: customerId, requestedCustomer: String(requested) }),
            Effect.andThen(
              Effect.fail(
                new TenantIsolationError({
                  customerId: String(requested),
                  message: `customer ${String(requested)} is not served by the database of customer ${customerId}; nothing was sent`,
                  cause: undefined,
                }),
              ),
            ),
          ),
  });

export const makeTenantRouter = Effect.fnUntraced(function* (options: TenantRouterOptions) {
  const routes = yield* TenantRoutes;
  const capacity = options.maxOpenDatabases ?? 8;
  const acquireTimeout = Duration.fromInputUnsafe(options.acquireTimeout ?? '5 seconds');
  const databases = yield* RcMap.make({
    capacity,
    idleTimeToLive: options.idleTimeToLive ?? '1 minute',
    lookup: (key: string) =>
      Effect.gen(function* () {
        const connection = key === 'pooled' ? options.pooled : options.dedicated(key.slice('dedicated:'.length));
        // Resolved before the lookup; here only as a guard.
        if (!connection) return yield* Effect.die(new Error(`no connection for database ${key}`));
        const context = yield* Layer.build(connection.layer);
        return yield* makeTenantSql(options.tenantSql).pipe(Effect.provideContext(context));
      }),
  });

  const resolve: (customerId: string) => Effect.Effect<CustomerRoute, RoutingError> = Effect.fn('TenantRouter.resolve')(
    function* (customerId: string) {
      const route = yield* routes.get(lower(customerId));
      if (!route) return yield* new UnknownCustomerError({ customerId: String(customerId) });
      if (route.relocation)
        return yield* new CustomerRelocatingError({
          customerId: route.customerId,
          promotionId: route.relocation.promotionId,
        });
      const configured = route.tier === 'pooled' ? options.pooled : options.dedicated(route.customerId);
      if (!configured)
        return yield* new DatabaseNotConfiguredError({ customerId: route.customerId, database: databaseKeyOf(route) });
      return route;
    },
  );

  /** The customer's database service, held for the current scope; waits for a free slot, then gives up typed. */
  const databaseFor = (
    route: CustomerRoute,
  ): Effect.Effect<TenantSql['Service'], RoutingError | TransientDatabaseError, Scope.Scope> => {
    const key = databaseKeyOf(route);
    return RcMap.get(databases, key).pipe(
      Effect.retry({
        while: (error) => Cause.isExceededCapacityError(error),
        schedule: Schedule.spaced('50 millis'),
      }),
      Effect.timeoutOrElse({
        duration: acquireTimeout,
        orElse: () =>
          Effect.fail(
            new DatabasePoolsExhaustedError({ customerId: route.customerId, database: key, openDatabases: capacity }),
          ),
      }),
      Effect.catchIf(Cause.isExceededCapacityError, () =>
        Effect.fail(
          new DatabasePoolsExhaustedError({ customerId: route.customerId, database: key, openDatabases: capacity }),
        ),
      ),
      Effect.catchIf(
        (error): error is SqlError | Error => !isRoutingError(error),
        (error) =>
          Effect.fail(
            new TransientDatabaseError({
              customerId: route.customerId,
              reason: 'ConnectionError',
              attempts: 1,
              message: `opening database ${key}: ${error instanceof Error ? error.message : String(error)}`,
              cause: error,
            }),
          ),
      ),
    ) as Effect.Effect<TenantSql['Service'], RoutingError | TransientDatabaseError, Scope.Scope>;
  };

  const provide =
    (customerId: string) =>
    <A, E, R>(
      program: Effect.Effect<A, E, R>,
    ): Effect.Effect<A, E | RoutingError | TransientDatabaseError, Exclude<R, TenantSql>> =>
      Effect.scoped(
        Effect.gen(function* () {
          const route = yield* resolve(customerId);
          const database = yield* databaseFor(route);
          return yield* Effect.provideService(program, TenantSql, pinnedTo(route.customerId, database));
        }),
      ) as Effect.Effect<A, E | RoutingError | TransientDatabaseError, Exclude<R, TenantSql>>;

  const withCustomer = <A, E, R>(customerId: string, effect: Effect.Effect<A, E, R>) =>
    provide(customerId)(
      Effect.gen(function* () {
        const db = yield* TenantSql;
        return yield* db.withCustomer(customerId, effect);
      }),
    );

  return TenantRouter.of({
    resolve,
    provide,
    withCustomer: withCustomer as TenantRouter['Service']['withCustomer'],
  });
});
