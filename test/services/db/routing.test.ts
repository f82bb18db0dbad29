import { Effect, Exit, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CustomerRoute,
  memoryRoutesLayer,
  seedRoutes,
  TenantRouter,
  TenantRoutes,
  TenantSql,
} from '../../../src/services/db/index.js';
import { openServerDatabase, type TestDatabase } from '../../support/database.js';

/**
 * Several customers on two databases of the PostgreSQL server: three pooled
 * customers share one, a dedicated customer has the other. Each database is a
 * scratch database with its own scratch roles, so the server's own catalog
 * tells which role (and so which database) a connection belongs to.
 */
const id = (n: number) => `00000000-0000-4000-a000-${n.toString(16).padStart(12, '0')}`;
const POOLED = [id(1), id(2), id(3)];
const DEDICATED = id(0xd1);
const UNCONFIGURED = id(0xd2);
const RELOCATING = id(4);

let pool: TestDatabase;
let own: TestDatabase;
type Runtime = ManagedRuntime.ManagedRuntime<TenantRouter | TenantRoutes, unknown>;
let runtime: Runtime;
const run = <A, E>(effect: Effect.Effect<A, E, TenantRouter | TenantRoutes>) => runtime.runPromise(effect);
const POOL_SIZE = 2;

/** Rows of communications in one database, by customer, seen by an administrator (bypasses RLS). */
const rowsIn = (db: TestDatabase) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient;
      return yield* sql<{ customer_id: string; external_id: string }>`
        SELECT customer_id::text, external_id FROM communications ORDER BY customer_id, external_id`;
    }).pipe(Effect.provide(db.adminLayer as never), Effect.scoped) as Effect.Effect<
      { customer_id: string; external_id: string }[]
    >,
  );

const connectionsOf = (db: TestDatabase) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient;
      const [row] = yield* sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = ${db.appRole}`;
      return row?.n ?? 0;
    }).pipe(Effect.provide(db.adminLayer as never), Effect.scoped) as Effect.Effect<number>,
  );

const addCustomerAndMessage = (customerId: string, externalId: string) =>
  Effect.gen(function* () {
    const router = yield* TenantRouter;
    return yield* router.withCustomer(
      customerId,
      Effect.gen(function* () {
        const { sql } = yield* TenantSql;
        yield* sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${`c-${customerId.slice(-4)}`}, 'Routed') ON CONFLICT DO NOTHING`;
        yield* sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at) VALUES (${customerId}, 'gmail', ${externalId}, 'email', now()) ON CONFLICT DO NOTHING`;
        return yield* sql<{ external_id: string }>`SELECT external_id FROM communications ORDER BY external_id`;
      }),
    );
  });

beforeAll(async () => {
  [pool, own] = await Promise.all([
    openServerDatabase({ maxConnections: POOL_SIZE }),
    openServerDatabase({ maxConnections: POOL_SIZE }),
  ]);
  const routes: CustomerRoute[] = [
    { customerId: RELOCATING, tier: 'pooled', relocation: { promotionId: 'p-1', startedAt: new Date().toISOString() } },
  ];
  runtime = ManagedRuntime.make(
    Layer.provideMerge(
      TenantRouter.layer({
        pooled: { layer: pool.appLayer },
        dedicated: (customerId) => (customerId === DEDICATED ? { layer: own.appLayer } : undefined),
        maxOpenDatabases: 2,
        idleTimeToLive: '100 millis',
        acquireTimeout: '300 millis',
      }),
      memoryRoutesLayer(routes),
    ),
  ) as Runtime;
  await run(
    seedRoutes([
      ...POOLED.map((c) => ({ id: c, tier: 'pooled' as const })),
      { id: DEDICATED, tier: 'dedicated' },
      { id: UNCONFIGURED, tier: 'dedicated' },
      { id: RELOCATING, tier: 'dedicated' },
    ]),
  );
});
afterAll(async () => {
  await runtime?.dispose();
  await Promise.all([pool?.close(), own?.close()]);
});

describe('routing the tenant-scoped SQL service', () => {
  it('sends each customer to its own database: pooled customers share one under RLS, the dedicated one has its own', async () => {
    for (const customer of [...POOLED, DEDICATED]) {
      const seen = await run(addCustomerAndMessage(customer, `m-${customer.slice(-2)}`));
      // Inside its transaction a pooled customer sees its own row only, though the database holds others.
      expect(seen.map((r) => r.external_id)).toEqual([`m-${customer.slice(-2)}`]);
    }
    const pooledRows = await rowsIn(pool);
    const ownRows = await rowsIn(own);
    expect([...new Set(pooledRows.map((r) => r.customer_id))].sort()).toEqual([...POOLED].sort());
    expect(ownRows.map((r) => r.customer_id)).toEqual([DEDICATED]);
  });

  it('a TenantSql handed out for one customer refuses every other customer id, and sends nothing', async () => {
    const before = await rowsIn(pool);
    const [other, dedicated] = await run(
      Effect.gen(function* () {
        const router = yield* TenantRouter;
        return yield* router.provide(POOLED[0] as string)(
          Effect.gen(function* () {
            const db = yield* TenantSql;
            const insertAs = (customerId: string) =>
              Effect.flip(
                db.withCustomer(
                  customerId,
                  db.sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at) VALUES (${customerId}, 'gmail', 'smuggled', 'email', now())`,
                ),
              );
            return [yield* insertAs(POOLED[1] as string), yield* insertAs(DEDICATED)] as const;
          }),
        );
      }),
    );
    expect(other._tag).toBe('TenantIsolationError');
    expect(dedicated._tag).toBe('TenantIsolationError');
    expect(other.message).toMatch(/nothing was sent/);
    expect(await rowsIn(pool)).toEqual(before);
    expect((await rowsIn(own)).some((r) => r.external_id === 'smuggled')).toBe(false);
  });

  it('refuses an unknown customer, a relocating one and one whose database this process cannot reach, before any query', async () => {
    const refusal = (customerId: string) =>
      run(
        Effect.flip(
          Effect.gen(function* () {
            const router = yield* TenantRouter;
            return yield* router.withCustomer(customerId, Effect.succeed('reached'));
          }),
        ),
      );
    expect((await refusal(id(0xbad)))._tag).toBe('UnknownCustomerError');
    expect((await refusal(RELOCATING))._tag).toBe('CustomerRelocatingError');
    expect((await refusal(UNCONFIGURED))._tag).toBe('DatabaseNotConfiguredError');
    // Seeding never overrides a recorded route: the relocating customer stays on its (frozen) route.
    const route = await run(
      Effect.gen(function* () {
        const routes = yield* TenantRoutes;
        return yield* routes.get(RELOCATING);
      }),
    );
    expect(route?.relocation?.promotionId).toBe('p-1');
  });

  it('a worker serving many customers at once stays within each database’s pool', async () => {
    let peakPool = 0;
    let peakOwn = 0;
    const sample = async () => {
      peakPool = Math.max(peakPool, await connectionsOf(pool));
      peakOwn = Math.max(peakOwn, await connectionsOf(own));
    };
    const work = run(
      Effect.forEach(
        Array.from({ length: 48 }, (_, i) => [...POOLED, DEDICATED][i % 4] as string),
        (customer, i) =>
          Effect.gen(function* () {
            const router = yield* TenantRouter;
            yield* router.withCustomer(
              customer,
              Effect.gen(function* () {
                const { sql } = yield* TenantSql;
                yield* sql`SELECT pg_sleep(0.02)`;
                yield* sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at) VALUES (${customer}, 'gmail', ${`burst-${i}`}, 'email', now())`;
              }),
            );
          }),
        { concurrency: 24 },
      ),
    );
    const sampler = (async () => {
      for (let i = 0; i < 10; i++) {
        await sample();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await Promise.all([work, sampler]);
    expect(peakPool).toBeGreaterThan(0);
    expect(peakPool).toBeLessThanOrEqual(POOL_SIZE);
    expect(peakOwn).toBeLessThanOrEqual(POOL_SIZE);
    const pooledRows = await rowsIn(pool);
    expect(pooledRows.filter((r) => r.external_id.startsWith('burst-'))).toHaveLength(36);
    expect((await rowsIn(own)).filter((r) => r.external_id.startsWith('burst-'))).toHaveLength(12);
  });

  it('with every database slot held, another database is refused typed after the wait, and served once a pool goes idle', async () => {
    const router1 = ManagedRuntime.make(
      Layer.provideMerge(
        TenantRouter.layer({
          pooled: { layer: pool.appLayer },
          dedicated: (customerId) => (customerId === DEDICATED ? { layer: own.appLayer } : undefined),
          maxOpenDatabases: 1,
          idleTimeToLive: '50 millis',
          acquireTimeout: '200 millis',
        }),
        memoryRoutesLayer([
          { customerId: POOLED[0] as string, tier: 'pooled' },
          { customerId: DEDICATED, tier: 'dedicated' },
        ]),
      ),
    );
    try {
      const outcome = await router1.runPromise(
        Effect.gen(function* () {
          const router = yield* TenantRouter;
          const holding = router.withCustomer(
            POOLED[0] as string,
            Effect.gen(function* () {
              const { sql } = yield* TenantSql;
              yield* sql`SELECT pg_sleep(0.5)`;
            }),
          );
          const [, refused] = yield* Effect.all(
            [holding, Effect.exit(Effect.delay(router.withCustomer(DEDICATED, Effect.succeed('served')), '50 millis'))],
            { concurrency: 2 },
          );
          yield* Effect.sleep('100 millis');
          const later = yield* router.withCustomer(DEDICATED, Effect.succeed('served'));
          return { refused, later };
        }),
      );
      expect(Exit.isFailure(outcome.refused)).toBe(true);
      expect(String(outcome.refused)).toMatch(/DatabasePoolsExhaustedError/);
      expect(outcome.later).toBe('served');
    } finally {
      await router1.dispose();
    }
  });
});
