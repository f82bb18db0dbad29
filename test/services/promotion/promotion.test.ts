import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Exit, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledArchivePrefix } from '../../../src/contracts/pooled-data.js';
import {
  memoryRoutesLayer,
  seedRoutes,
  TenantRouter,
  TenantRoutes,
  TenantSql,
} from '../../../src/services/db/index.js';
import { localArchiveSide } from '../../../src/services/promotion/archive.js';
import { memoryJournalLayer, PromotionJournal } from '../../../src/services/promotion/journal.js';
import { type PromotionEvent, type PromotionSides, promoteCustomer } from '../../../src/services/promotion/promote.js';
import { openServerDatabase, type TestDatabase } from '../../support/database.js';
import { only, type Snapshot, seedArchive, seedCustomer, snapshot } from './fixtures.js';

/**
 * End to end on two databases of the PostgreSQL server: the pooled cluster
 * with three customers, and the promoted customer's freshly migrated, empty
 * database. Archives are two local folders. Small batches, so the copy takes
 * many transactions and can be interrupted in the middle of a table.
 */
const P = '00000000-0000-4000-b000-00000000000a';
const Q = '00000000-0000-4000-b000-00000000000b';
const R = '00000000-0000-4000-b000-00000000000c';

let pool: TestDatabase;
let dedicated: TestDatabase;
let sides: PromotionSides;
let poolDir: string;
let dedicatedDir: string;
let archiveOfP: Record<string, string>;
let before: Snapshot;
const closers: Array<() => Promise<void>> = [];
type Runtime = ManagedRuntime.ManagedRuntime<TenantRoutes | PromotionJournal, never>;
let runtime: Runtime;

const serviceOf = async (db: TestDatabase) => {
  const rt = ManagedRuntime.make(Layer.provideMerge(TenantSql.layer({ retries: 2 }), db.appLayer));
  closers.push(() => rt.dispose());
  return rt.runPromise(
    Effect.gen(function* () {
      return yield* TenantSql;
    }),
  );
};
const adminOf = async (db: TestDatabase) => {
  const rt = ManagedRuntime.make(db.adminLayer as Layer.Layer<SqlClient.SqlClient>);
  closers.push(() => rt.dispose());
  return rt.runPromise(
    Effect.gen(function* () {
      return yield* SqlClient.SqlClient;
    }),
  );
};
const snapshotOf = (db: TestDatabase) =>
  Effect.runPromise(
    snapshot.pipe(
      Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>),
      Effect.scoped,
    ) as Effect.Effect<Snapshot>,
  );
const promote = (
  options: { dryRun?: boolean; onProgress?: (e: PromotionEvent) => Effect.Effect<void, unknown> } = {},
) => runtime.runPromiseExit(promoteCustomer(sides, { customerId: P, batchSize: 2, ...options }));
const routeOf = (customerId: string) =>
  runtime.runPromise(
    Effect.gen(function* () {
      const routes = yield* TenantRoutes;
      return yield* routes.get(customerId);
    }),
  );
const filesUnder = (dir: string) =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length : 0;

beforeAll(async () => {
  [pool, dedicated] = await Promise.all([
    openServerDatabase({ maxConnections: 4 }),
    openServerDatabase({ maxConnections: 4 }),
  ]);
  const [poolSql, dedicatedSql, poolAdmin] = await Promise.all([serviceOf(pool), serviceOf(dedicated), adminOf(pool)]);
  poolDir = mkdtempSync(join(tmpdir(), 'pooled-archive-'));
  dedicatedDir = mkdtempSync(join(tmpdir(), 'dedicated-archive-'));
  sides = {
    pool: poolSql,
    poolAdmin,
    poolOwnerRole: pool.ownerRole,
    dedicated: dedicatedSql,
    poolArchive: localArchiveSide(poolDir),
    dedicatedArchive: localArchiveSide(dedicatedDir),
  };
  await Effect.runPromise(
    Effect.all([
      seedCustomer(poolSql, P, 'promoted', 5),
      seedCustomer(poolSql, Q, 'neighbour'),
      seedCustomer(poolSql, R, 'other'),
    ]),
  );
  archiveOfP = seedArchive(poolDir, P, 3);
  seedArchive(poolDir, Q, 2);
  runtime = ManagedRuntime.make(Layer.merge(memoryRoutesLayer(), memoryJournalLayer()));
  await runtime.runPromise(
    seedRoutes([
      { id: P, tier: 'pooled' },
      { id: Q, tier: 'pooled' },
      { id: R, tier: 'pooled' },
    ]),
  );
  // The deploy binds the customer's own database to it (sql/0010, the migration hook).
  await Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient;
      yield* sql.withTransaction(
        Effect.andThen(
          sql.unsafe(`SET LOCAL ROLE "${dedicated.ownerRole}"`).unprepared,
          sql`SELECT panops_bind_database(${P}::uuid)`,
        ),
      );
    }).pipe(
      Effect.provide(dedicated.adminLayer as Layer.Layer<SqlClient.SqlClient>),
      Effect.scoped,
    ) as Effect.Effect<void>,
  );
  before = await snapshotOf(pool);
});
afterAll(async () => {
  await runtime?.dispose();
  for (const close of closers.reverse()) await close();
  await Promise.all([pool?.close(), dedicated?.close()]);
});

describe('promoting a pooled customer to its own database', () => {
  it('a dry run prints the plan in dependency order and changes nothing', async () => {
    const exit = await promote({ dryRun: true });
    if (!Exit.isSuccess(exit)) throw new Error(String(exit));
    const { plan, outcome } = exit.value;
    expect(outcome).toBe('dry-run');
    const order = plan.tables.map((t) => t.name);
    expect(order[0]).toBe('customers');
    for (const [child, parent] of [
      ['communications', 'connectors'],
      ['participants', 'communications'],
      ['transcript_segments', 'recordings'],
      ['chunk_terms', 'chunks'],
    ] as const)
      expect(order.indexOf(child), `${child} after ${parent}`).toBeGreaterThan(order.indexOf(parent));
    expect(plan.tables.find((t) => t.name === 'communications')).toEqual({
      name: 'communications',
      pooledRows: 5,
      dedicatedRows: 0,
    });
    expect(plan.archiveObjects).toBe(3);
    expect(plan.steps.map((s) => s.split(':')[0])).toEqual(['freeze', 'copy', 'archive', 'verify', 'switch', 'purge']);
    expect(await snapshotOf(pool)).toEqual(before);
    expect(await snapshotOf(dedicated)).toEqual(only(before, () => false));
    expect(await routeOf(P)).toEqual({ customerId: P, tier: 'pooled' });
  });

  it('refuses, before copying anything, a target database bound to another customer', async () => {
    const exit = await runtime.runPromiseExit(promoteCustomer(sides, { customerId: Q, batchSize: 2 }));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(exit)).toMatch(new RegExp(`PromotionRefusedError[\\s\\S]*bound to customer ${P}`));
    expect(await snapshotOf(pool)).toEqual(before);
    expect(await snapshotOf(dedicated)).toEqual(only(before, () => false));
    expect(await routeOf(Q)).toEqual({ customerId: Q, tier: 'pooled' });
  });

  it('an interruption in the middle of the copy leaves the pool intact, the customer frozen, and the copy partial', async () => {
    let batches = 0;
    const exit = await promote({
      onProgress: (event) =>
        event.step === 'copy' && ++batches === 5 ? Effect.fail(new Error('operator pressed Ctrl-C')) : Effect.void,
    });
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(exit)).toMatch(/Ctrl-C/);
    expect(await snapshotOf(pool)).toEqual(before);
    const partial = await snapshotOf(dedicated);
    const copiedRows = Object.values(partial).reduce((sum, byCustomer) => sum + (byCustomer[P]?.n ?? 0), 0);
    expect(copiedRows).toBeGreaterThan(0);
    expect(partial).toEqual(only(partial, (c) => c === P));
    expect(partial.communications?.[P]?.h).not.toBe(before.communications?.[P]?.h);
    // Workers are refused (retryably) rather than writing rows the copy would miss.
    expect((await routeOf(P))?.relocation).toBeDefined();
    const refused = await runtime.runPromiseExit(
      Effect.gen(function* () {
        const router = yield* TenantRouter;
        return yield* router.withCustomer(P, Effect.succeed('served'));
      }).pipe(
        Effect.provide(
          TenantRouter.layer({ pooled: { layer: pool.appLayer }, dedicated: () => ({ layer: dedicated.appLayer }) }),
        ),
      ),
    );
    expect(String(refused)).toMatch(/CustomerRelocatingError/);
  });

  it('the re-run resumes from the journal and completes: the dedicated database holds exactly the customer’s rows, the pool none, no other row moved', async () => {
    const events: PromotionEvent[] = [];
    const exit = await promote({ onProgress: (event) => Effect.sync(() => void events.push(event)) });
    if (!Exit.isSuccess(exit)) throw new Error(String(exit));
    expect(exit.value.outcome).toBe('promoted');
    // Resumed: the copy did not start again from the first table.
    const firstCopy = events.find((e) => e.step === 'copy');
    expect(firstCopy && firstCopy.step === 'copy' && firstCopy.table).not.toBe('customers');
    expect(events.filter((e) => e.step === 'verify').every((e) => e.step === 'verify' && e.matches)).toBe(true);

    const afterPool = await snapshotOf(pool);
    const afterDedicated = await snapshotOf(dedicated);
    // Hash-compared, table by table: the customer's rows as they were in the pool.
    expect(afterDedicated).toEqual(only(before, (c) => c === P));
    expect(Object.values(afterDedicated).reduce((n, t) => n + (t[P]?.n ?? 0), 0)).toBeGreaterThan(30);
    // The pool holds none of them (the held communication included), and the neighbours are untouched.
    expect(afterPool).toEqual(only(before, (c) => c !== P));

    // Archive: re-keyed into the customer's own bucket, byte for byte; gone from the pooled prefix; the neighbour's stays.
    for (const [key, content] of Object.entries(archiveOfP))
      expect(readFileSync(join(dedicatedDir, key), 'utf8')).toBe(content);
    expect(filesUnder(dedicatedDir)).toBe(3);
    expect(filesUnder(join(poolDir, pooledArchivePrefix(P)))).toBe(0);
    expect(filesUnder(join(poolDir, pooledArchivePrefix(Q)))).toBe(2);

    // Routing switched: the customer is now served by its own database.
    expect(await routeOf(P)).toEqual({ customerId: P, tier: 'dedicated' });
    const served = await runtime.runPromise(
      Effect.gen(function* () {
        const router = yield* TenantRouter;
        return yield* router.withCustomer(
          P,
          Effect.gen(function* () {
            const { sql } = yield* TenantSql;
            return yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM communications`;
          }),
        );
      }).pipe(
        Effect.provide(
          TenantRouter.layer({
            pooled: { layer: pool.appLayer },
            dedicated: (c) => (c === P ? { layer: dedicated.appLayer } : undefined),
          }),
        ),
      ),
    );
    expect(served[0]?.n).toBe(5);
  });

  it('running it again changes nothing', async () => {
    const poolBefore = await snapshotOf(pool);
    const dedicatedBefore = await snapshotOf(dedicated);
    const exit = await promote();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit));
    expect(exit.value.outcome).toBe('already-dedicated');
    expect(await snapshotOf(pool)).toEqual(poolBefore);
    expect(await snapshotOf(dedicated)).toEqual(dedicatedBefore);
    const journal = await runtime.runPromise(
      Effect.gen(function* () {
        const j = yield* PromotionJournal;
        return yield* j.load(P);
      }),
    );
    expect(journal?.phase).toBe('done');
  });
});

describe('verification before the switch', () => {
  const S = '00000000-0000-4000-b000-00000000000d';
  let target: TestDatabase;

  beforeAll(async () => {
    target = await openServerDatabase({ maxConnections: 2 });
    await Effect.runPromise(seedCustomer(sides.pool, S, 'tampered'));
    await runtime.runPromise(seedRoutes([{ id: S, tier: 'pooled' }]));
  });
  afterAll(() => target?.close());

  it('a copy that differs from the pool stops the promotion before the switch, and the re-run repairs it', async () => {
    const targetSql = await serviceOf(target);
    const sidesForS = {
      ...sides,
      dedicated: targetSql,
      dedicatedArchive: localArchiveSide(mkdtempSync(join(tmpdir(), 's-'))),
    };
    const poolBefore = await snapshotOf(pool);
    let tampered = false;
    const first = await runtime.runPromiseExit(
      promoteCustomer(sidesForS, {
        customerId: S,
        batchSize: 2,
        // Once every table is copied, someone changes a row in the new database.
        onProgress: (event) =>
          event.step === 'verify' && !tampered
            ? Effect.asVoid(
                targetSql.withCustomer(
                  S,
                  Effect.sync(() => {
                    tampered = true;
                  }).pipe(
                    Effect.andThen(
                      targetSql.sql`UPDATE communications SET subject = 'altered' WHERE external_id = 'tampered-m1'`,
                    ),
                  ),
                ),
              )
            : Effect.void,
      }),
    );
    expect(String(first)).toMatch(/VerificationFailedError/);
    expect(String(first)).toMatch(/communications/);
    expect((await routeOf(S))?.relocation).toBeDefined();
    expect(await snapshotOf(pool)).toEqual(poolBefore);

    const second = await runtime.runPromiseExit(promoteCustomer(sidesForS, { customerId: S, batchSize: 2 }));
    if (!Exit.isSuccess(second)) throw new Error(String(second));
    expect(second.value.outcome).toBe('promoted');
    expect(await snapshotOf(target)).toEqual(only(poolBefore, (c) => c === S));
    expect(await routeOf(S)).toEqual({ customerId: S, tier: 'dedicated' });
  });
});
