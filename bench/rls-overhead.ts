/**
 * What forced row-level security costs on a real PostgreSQL server.
 *
 * In one run, on one scratch database, alternating rounds so both sides see
 * the same table size and machine noise:
 *   - ingest: batches of communications through `TenantSql.withCustomer` as
 *     the application role (RLS forced) versus the same transactions and
 *     inserts as the owner with RLS disabled on the table;
 *   - indexed read: "latest 50 communications" of one tenant, under RLS
 *     (no WHERE on customer_id: the policy supplies it) versus the owner
 *     with RLS off and an explicit `WHERE customer_id = $1`.
 * Ratios are RLS / baseline (ingest: baseline throughput / RLS throughput),
 * so 1.00 means free and 1.10 means 10% slower.
 *
 * Run: `npx projen bench:rls` (server from PANOPS_TEST_PG_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres). Writes bench/out/rls-overhead.json.
 */
import { randomBytes } from 'node:crypto';
import { Effect, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import { migrate, postgresDatabaseLayer, TenantSql } from '../src/services/db/index.js';
import { figure, summarize, writeBenchResult } from './lib/results.js';

const ADMIN_URL = process.env.PANOPS_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TENANTS = 100;
const PRELOAD_ROWS = 200_000;
const ROUNDS = 4;
const BATCHES_PER_ROUND = 120;
const BATCH_SIZE = 100;
const READS_PER_ROUND = 1_000;
const WRITERS = 8;

const suffix = randomBytes(4).toString('hex');
const database = `panops_bench_${suffix}`;
const ownerRole = `panops_bench_owner_${suffix}`;
const appRole = `panops_bench_app_${suffix}`;
const password = randomBytes(12).toString('hex');
const tenants = Array.from(
  { length: TENANTS },
  (_, i) => `00000000-0000-4000-8000-${(0xbe00 + i).toString(16).padStart(12, '0')}`,
);

const urlFor = (user: string | undefined, db: string): string => {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${db}`;
  if (user) {
    url.username = user;
    url.password = password;
  }
  return url.toString();
};
const onAdmin = <A>(db: string, effect: Effect.Effect<A, unknown, SqlClient.SqlClient>): Promise<A> =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(postgresDatabaseLayer({ url: urlFor(undefined, db), maxConnections: 1 })),
      Effect.scoped,
    ) as Effect.Effect<A>,
  );
const exec = (...statements: string[]) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (s) => sql.unsafe(s).unprepared));

const rowsFor = (tenant: string, round: number, batch: number, side: string) =>
  nonEmpty(
    Array.from({ length: BATCH_SIZE }, (_, i) => ({
      customer_id: tenant,
      platform: 'gmail',
      external_id: `${side}-${round}-${batch}-${i}`,
      kind: 'email',
      sent_at: new Date(Date.now() - i * 1000),
      sender: 'someone@example.com',
      subject: `Subject ${i}`,
      body_text: `Body of message ${i} in batch ${batch}`,
    })),
  );

const nonEmpty = <A>(rows: A[]): [A, ...A[]] => {
  if (rows.length === 0) throw new Error('empty batch');
  return rows as [A, ...A[]];
};

const main = async () => {
  const adminDb = new URL(ADMIN_URL).pathname.slice(1) || 'postgres';
  await onAdmin(adminDb, exec(`CREATE DATABASE "${database}"`));
  try {
    await onAdmin(
      database,
      Effect.gen(function* () {
        yield* migrate({ ownerRole, appRole });
        yield* exec(
          `ALTER ROLE "${appRole}" PASSWORD '${password}'`,
          `ALTER ROLE "${ownerRole}" LOGIN PASSWORD '${password}'`,
          `INSERT INTO customers (customer_id, slug, display_name)
             SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(48640 + g), 12, '0'))::uuid, 'c' || g, 'Bench'
             FROM generate_series(0, ${TENANTS - 1}) g`,
          `INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, sender, subject, body_text)
             SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(48640 + g % ${TENANTS}), 12, '0'))::uuid, 'gmail',
                    'preload-' || g, 'email', now() - g * interval '1 second', 'someone@example.com', 'Subject', 'Body'
             FROM generate_series(1, ${PRELOAD_ROWS}) g`,
          'ANALYZE',
        );
      }),
    );

    const app = ManagedRuntime.make(
      Layer.provideMerge(
        TenantSql.layer(),
        postgresDatabaseLayer({ url: urlFor(appRole, database), maxConnections: 8 }),
      ),
    );
    const owner = ManagedRuntime.make(
      Layer.provideMerge(
        TenantSql.layer(),
        postgresDatabaseLayer({ url: urlFor(ownerRole, database), maxConnections: 8 }),
      ),
    );

    // Both sides go through TenantSql (BEGIN, set_config, statement, COMMIT): only the role and RLS differ.
    /** One round of inserts; `marker` keeps the two sides' external ids apart. */
    const ingestRound = (round: number, marker: 'rls' | 'base') =>
      Effect.forEach(
        Array.from({ length: BATCHES_PER_ROUND }, (_, b) => b),
        (b) =>
          Effect.gen(function* () {
            const db = yield* TenantSql;
            const tenant = tenants[b % TENANTS] as string;
            yield* db.withCustomer(
              tenant,
              db.sql`INSERT INTO communications ${db.sql.insert(rowsFor(tenant, round, b, marker))}`,
            );
          }),
        { concurrency: WRITERS, discard: true },
      );
    const readRls = (tenant: string) =>
      Effect.gen(function* () {
        const db = yield* TenantSql;
        return yield* db.withCustomer(
          tenant,
          db.sql`SELECT id, sent_at, subject FROM communications ORDER BY sent_at DESC LIMIT 50`,
        );
      });
    const readBaseline = (tenant: string) =>
      Effect.gen(function* () {
        const db = yield* TenantSql;
        return yield* db.withCustomer(
          tenant,
          db.sql`SELECT id, sent_at, subject FROM communications WHERE customer_id = ${tenant} ORDER BY sent_at DESC LIMIT 50`,
        );
      });
    type Runtime = typeof app;
    const latencies = async (runtime: Runtime, read: (t: string) => Effect.Effect<unknown, unknown, TenantSql>) => {
      const samples: number[] = [];
      for (let i = 0; i < READS_PER_ROUND; i++) {
        const start = performance.now();
        await runtime.runPromise(read(tenants[(i * 37) % TENANTS] as string));
        samples.push(performance.now() - start);
      }
      return samples;
    };
    const setRls = (on: boolean) =>
      onAdmin(
        database,
        exec(
          on
            ? 'ALTER TABLE communications ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY'
            : 'ALTER TABLE communications DISABLE ROW LEVEL SECURITY, NO FORCE ROW LEVEL SECURITY',
        ),
      );

    // Warm both pools and caches.
    await app.runPromise(readRls(tenants[0] as string));
    await setRls(false);
    await owner.runPromise(readBaseline(tenants[0] as string));
    await setRls(true);

    const ingest = { rls: [] as number[], baseline: [] as number[] };
    const reads = { rls: [] as number[], baseline: [] as number[] };
    const readMedians = { rls: [] as number[], baseline: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first so growth and drift do not favour one.
      const order = round % 2 === 0 ? (['rls', 'baseline'] as const) : (['baseline', 'rls'] as const);
      for (const side of order) {
        await setRls(side === 'rls');
        const start = performance.now();
        if (side === 'rls') await app.runPromise(ingestRound(round, 'rls'));
        else await owner.runPromise(ingestRound(round, 'base'));
        const seconds = (performance.now() - start) / 1000;
        ingest[side].push((BATCHES_PER_ROUND * BATCH_SIZE) / seconds);
        const samples = side === 'rls' ? await latencies(app, readRls) : await latencies(owner, readBaseline);
        reads[side].push(...samples);
        readMedians[side].push(summarize(samples).median);
      }
    }
    await setRls(true);
    await app.dispose();
    await owner.dispose();

    const pct = (sorted: number[], p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
    const sortedRls = [...reads.rls].sort((a, b) => a - b);
    const sortedBase = [...reads.baseline].sort((a, b) => a - b);
    const ingestRatio = summarize(ingest.baseline).median / summarize(ingest.rls).median;
    const readRatio = pct(sortedRls, 0.5) / pct(sortedBase, 0.5);
    const readRatioP95 = pct(sortedRls, 0.95) / pct(sortedBase, 0.95);
    const conditions = {
      tenants: TENANTS,
      preloadRows: PRELOAD_ROWS,
      batchSize: BATCH_SIZE,
      writers: WRITERS,
      pool: 8,
    };
    const path = writeBenchResult({
      benchmark: 'rls-overhead',
      description:
        'Forced RLS through TenantSql (application role) vs the same work as the owner with RLS disabled, PostgreSQL server, alternating rounds',
      figures: [
        figure('ingest with RLS (TenantSql, app role)', 'rows/s', ingest.rls, conditions),
        figure('ingest without RLS (owner, RLS disabled)', 'rows/s', ingest.baseline, conditions),
        figure('latest-50 read with RLS, per-round median', 'ms', readMedians.rls, conditions),
        figure('latest-50 read without RLS, per-round median', 'ms', readMedians.baseline, conditions),
      ],
      notes: [
        `ingest cost ratio (baseline rows/s ÷ RLS rows/s): ${ingestRatio.toFixed(3)}`,
        `read latency ratio p50 (RLS ÷ baseline): ${readRatio.toFixed(3)} (${pct(sortedRls, 0.5).toFixed(3)} ms vs ${pct(sortedBase, 0.5).toFixed(3)} ms)`,
        `read latency ratio p95 (RLS ÷ baseline): ${readRatioP95.toFixed(3)} (${pct(sortedRls, 0.95).toFixed(3)} ms vs ${pct(sortedBase, 0.95).toFixed(3)} ms)`,
        `target: under 1.10 (RLS costs under 10%)`,
        `server: ${new URL(ADMIN_URL).host}`,
      ],
    });
    console.log(JSON.stringify({ ingestRatio, readRatioP50: readRatio, readRatioP95, out: path }, null, 2));
  } finally {
    await onAdmin(
      adminDb,
      exec(
        `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`,
        `DROP ROLE IF EXISTS "${appRole}"`,
        `DROP ROLE IF EXISTS "${ownerRole}"`,
      ),
    );
  }
};

await main();
