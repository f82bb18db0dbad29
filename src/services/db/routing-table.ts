import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Context, Effect, Layer, Semaphore } from 'effect';
import { RouteStoreError } from './routing-errors.js';

/** Which database serves a customer. */
export type DatabaseTier = 'pooled' | 'dedicated';

/** One customer's route: the database that holds its rows, and whether a relocation froze it. */
export interface CustomerRoute {
  /** Lower-case UUID. */
  readonly customerId: string;
  readonly tier: DatabaseTier;
  /** Set while a promotion moves the customer: every transaction is refused until routing switches. */
  readonly relocation?: { readonly promotionId: string; readonly startedAt: string };
}

/**
 * The routes, the single source of truth for where each customer's rows
 * live. The blueprint's tier seeds a route once (`seedRoutes`, insert if
 * absent); after that only a promotion changes it, by compare-and-set, so a
 * customer whose file already says `dedicated` keeps reaching the pool until
 * its rows have been copied and verified.
 */
export class TenantRoutes extends Context.Service<
  TenantRoutes,
  {
    readonly get: (customerId: string) => Effect.Effect<CustomerRoute | undefined, RouteStoreError>;
    /** Writes `next` only if the stored route still equals `expected` (undefined: no route yet). */
    readonly compareAndSet: (
      expected: CustomerRoute | undefined,
      next: CustomerRoute,
    ) => Effect.Effect<void, RouteStoreError>;
  }
>()('panops/services/db/TenantRoutes') {}

const sameRoute = (a: CustomerRoute | undefined, b: CustomerRoute | undefined): boolean =>
  JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

const conflict = (customerId: string, stored: CustomerRoute | undefined) =>
  new RouteStoreError({
    customerId,
    reason: 'conflict',
    detail: `the stored route changed meanwhile (now ${JSON.stringify(stored ?? null)})`,
  });

/** Routes in memory (tests, one-process tools). */
export const memoryRoutesLayer = (initial: readonly CustomerRoute[] = []): Layer.Layer<TenantRoutes> =>
  Layer.sync(TenantRoutes, () => {
    const routes = new Map(initial.map((route) => [route.customerId.toLowerCase(), route]));
    return TenantRoutes.of({
      get: Effect.fn('TenantRoutes.get')(function* (customerId: string) {
        return yield* Effect.sync(() => routes.get(customerId.toLowerCase()));
      }),
      compareAndSet: Effect.fn('TenantRoutes.compareAndSet')(function* (
        expected: CustomerRoute | undefined,
        next: CustomerRoute,
      ) {
        const key = next.customerId.toLowerCase();
        const stored = routes.get(key);
        if (!sameRoute(stored, expected)) return yield* conflict(key, stored);
        routes.set(key, { ...next, customerId: key });
      }),
    });
  });

/**
 * Routes in a JSON file (the operator's promotion command, local runs):
 * written to a temporary name and renamed, so an interrupted write never
 * leaves a half file; compare-and-set under a process-wide lock.
 */
export const fileRoutesLayer = (path: string): Layer.Layer<TenantRoutes> =>
  Layer.effect(
    TenantRoutes,
    Effect.gen(function* () {
      const lock = yield* Semaphore.make(1);
      const unavailable = (customerId: string) => (cause: unknown) =>
        new RouteStoreError({ customerId, reason: 'unavailable', detail: `${path}: ${String(cause)}` });
      const readAll = (customerId: string) =>
        Effect.tryPromise({
          try: async () => {
            const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
              if (error.code === 'ENOENT') return '{"routes":[]}';
              throw error;
            });
            return (JSON.parse(text) as { routes: CustomerRoute[] }).routes;
          },
          catch: (cause) =>
            cause instanceof SyntaxError
              ? new RouteStoreError({ customerId, reason: 'corrupt', detail: `${path}: ${cause.message}` })
              : unavailable(customerId)(cause),
        });
      const writeAll = (customerId: string, routes: CustomerRoute[]) =>
        Effect.tryPromise({
          try: async () => {
            await mkdir(dirname(path), { recursive: true });
            const temp = `${path}.${process.pid}.tmp`;
            const sorted = [...routes].sort((a, b) => a.customerId.localeCompare(b.customerId));
            await writeFile(temp, `${JSON.stringify({ routes: sorted }, null, 2)}\n`);
            await rename(temp, path);
          },
          catch: unavailable(customerId),
        });
      return TenantRoutes.of({
        get: Effect.fn('TenantRoutes.get')(function* (customerId: string) {
          const routes = yield* readAll(customerId);
          return routes.find((r) => r.customerId === customerId.toLowerCase());
        }),
        // One compare-and-set at a time within the process; the file is replaced atomically.
        compareAndSet: Effect.fn('TenantRoutes.compareAndSet')(function* (
          expected: CustomerRoute | undefined,
          next: CustomerRoute,
        ) {
          const key = next.customerId.toLowerCase();
          const routes = yield* readAll(key);
          const stored = routes.find((r) => r.customerId === key);
          if (!sameRoute(stored, expected)) return yield* conflict(key, stored);
          yield* writeAll(key, [...routes.filter((r) => r.customerId !== key), { ...next, customerId: key }]);
        }, lock.withPermits(1)),
      });
    }),
  );

/**
 * Records a route for every customer that has none, from its blueprint tier;
 * an existing route is never changed (a promotion owns that change).
 */
export const seedRoutes = (customers: ReadonlyArray<{ readonly id: string; readonly tier: DatabaseTier }>) =>
  Effect.gen(function* () {
    const routes = yield* TenantRoutes;
    const seeded: string[] = [];
    for (const customer of customers) {
      const customerId = customer.id.toLowerCase();
      const existing = yield* routes.get(customerId);
      if (existing) continue;
      yield* routes.compareAndSet(undefined, { customerId, tier: customer.tier });
      seeded.push(customerId);
    }
    return seeded;
  });
