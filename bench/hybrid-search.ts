/**
 * Hybrid search for one customer on PGlite (pgvector HNSW + the chunk_terms
 * B-tree, under forced RLS as the application role): latency p50/p95 of the
 * whole search (exact and HNSW vector sides, each fused with the term side)
 * and recall@10 of HNSW (iterative scan, ef_search 100) against exact search.
 *
 * Chunks are loaded through `TenantSql.withCustomer` in batches, with
 * 384-dimension vectors clustered around 200 topics (the shape of real
 * embeddings: near neighbours exist) and short texts from each topic's words.
 * Measurements are taken at checkpoints while loading, so the run reports
 * how latency and recall scale; loading stops at BENCH_CHUNKS (default
 * 100,000) or when BENCH_LOAD_BUDGET_S (default 420 s) of loading is spent,
 * whichever comes first.
 *
 * Inserting into a live HNSW index in WASM runs at ~25-50 chunks/s on this
 * machine, so (as a bulk import or a re-embed of a whole tenant would) the
 * bench drops the HNSW index as the table owner before loading and builds
 * it at each checkpoint; the build time is reported. Rows themselves only
 * ever go through the tenant-scoped service.
 *
 * Run: `npx projen bench:search`. Writes bench/out/hybrid-search.json.
 */

import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { Effect, Layer, ManagedRuntime } from 'effect';
import { migrate } from '../src/services/db/migrate.js';
import { pgliteClientLayer } from '../src/services/db/pglite.js';
import { TenantSql } from '../src/services/db/tenant-sql.js';
import { Embeddings } from '../src/services/inference/embeddings.js';
import { defaultInferenceSettings, InferenceSettingsRef } from '../src/services/inference/settings.js';
import { toVectorText } from '../src/services/inference/vector-text.js';
import {
  defaultHybridSearchOptions,
  HybridSearch,
  hnswNearest,
  useHnsw,
} from '../src/services/search/hybrid-search.js';
import { type Figure, figure, writeBenchResult } from './lib/results.js';

const TARGET = Number(process.env.BENCH_CHUNKS ?? 100_000);
const LOAD_BUDGET_MS = Number(process.env.BENCH_LOAD_BUDGET_S ?? 420) * 1000;
const CHECKPOINTS = [...new Set([10_000, 30_000, 100_000, TARGET])].filter((n) => n <= TARGET).sort((a, b) => a - b);
const DIMENSIONS = 384;
const TOPICS = 200;
const BATCH = 1_000;
const QUERIES = 20;
const CUSTOMER = { id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', whisperModel: 'large-v3' as const };
const MODEL = defaultInferenceSettings.embeddingModel;

/** Deterministic pseudo-random numbers (mulberry32), so runs are comparable. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const random = rng(42);
const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const normalize = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const centroids = Array.from({ length: TOPICS }, () => normalize(Array.from({ length: DIMENSIONS }, gaussian)));
const near = (topic: number, spread: number) =>
  normalize((centroids[topic] as number[]).map((c) => c + (gaussian() * spread) / Math.sqrt(DIMENSIONS)));
const topicWords = Array.from({ length: TOPICS }, (_, t) => Array.from({ length: 30 }, (_, w) => `t${t}w${w}`));
const sentence = (topic: number, words: number) =>
  Array.from({ length: words }, () => (topicWords[topic] as string[])[Math.floor(random() * 30)]).join(' ');

/** The query side needs an `Embeddings` service: here it returns prepared vectors, so only the database is timed. */
let nextQueryVector: number[] = [];
const embeddingsLayer = Layer.succeed(Embeddings, {
  embed: (texts) => Effect.succeed(texts.map(() => nextQueryVector)),
});

const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

const main = async () => {
  const started = Date.now();
  // Like openPgliteDatabase, but the session stays a superuser under `SET ROLE panops_app`, so the
  // bench can step out (RESET ROLE) to drop and build the HNSW index; queries run as the application role.
  const pglite = await PGlite.create({ extensions: { vector, pg_trgm } });
  await Effect.runPromise(
    migrate({ embeddingDimensions: DIMENSIONS }).pipe(Effect.provide(pgliteClientLayer(pglite)), Effect.scoped),
  );
  await pglite.exec('DROP INDEX chunks_embedding_hnsw; SET ROLE panops_app');
  console.log(`PGlite open and migrated in ${Date.now() - started} ms`);
  const tenant = TenantSql.layer({ statementTimeout: '10 minutes' }).pipe(
    Layer.provideMerge(pgliteClientLayer(pglite)),
  );
  const exact = ManagedRuntime.make(
    HybridSearch.layer({ ...defaultHybridSearchOptions, exactSearchMaxChunks: Number.MAX_SAFE_INTEGER }).pipe(
      Layer.provide(embeddingsLayer),
      Layer.provideMerge(tenant),
    ),
  );
  const hnsw = ManagedRuntime.make(
    HybridSearch.layer({ ...defaultHybridSearchOptions, exactSearchMaxChunks: 0 }).pipe(
      Layer.provide(embeddingsLayer),
      Layer.provide(tenant),
    ),
  );
  const figures: Figure[] = [];
  const notes: string[] = [];
  const inTenant = <A>(effect: (t: TenantSql['Service']) => Effect.Effect<A, unknown>) =>
    exact.runPromise(
      Effect.gen(function* () {
        const t = yield* TenantSql;
        return yield* t.withCustomer(CUSTOMER.id, effect(t));
      }) as Effect.Effect<A, unknown, TenantSql>,
    );

  /** Schema work as the bootstrap superuser (the application role owns nothing), then back to the application role. */
  const asOwner = (statements: string) => pglite.exec(`RESET ROLE; ${statements}; SET ROLE panops_app`);
  const buildIndex = async (size: number) => {
    const t0 = performance.now();
    await asOwner(
      "DROP INDEX IF EXISTS chunks_embedding_hnsw; SET maintenance_work_mem = '512MB'; CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops)",
    );
    const ms = performance.now() - t0;
    // Statistics, as autovacuum keeps them on a server (PGlite has none).
    await asOwner('ANALYZE chunks; ANALYZE chunk_terms; ANALYZE communications');
    figures.push(figure('HNSW index build', 'ms', [ms], { chunks: size, dimensions: DIMENSIONS }));
    console.log(`HNSW index over ${size} chunks built in ${(ms / 1000).toFixed(1)} s`);
  };

  await inTenant(
    (t) =>
      t.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${CUSTOMER.id}, 'acme-capital', 'Acme')`,
  );
  // One communication per 10 chunks, spread over two years and three platforms.
  const communications: string[] = [];
  let loaded = 0;
  let loadMs = 0;

  const ensureCommunications = async (upTo: number) => {
    const needed = Math.ceil(upTo / 10) - communications.length;
    if (needed <= 0) return;
    const rows = Array.from({ length: needed }, (_, i) => {
      const n = communications.length + i;
      return {
        external_id: `m-${n}`,
        platform: ['gmail', 'slack', 'zoom'][n % 3],
        sent_at: new Date(Date.UTC(2023, 0, 1) + (n % 730) * 86_400_000).toISOString(),
      };
    });
    const ids = await inTenant(
      (t) =>
        t.sql<{ id: string }>`
        INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, body_text)
        SELECT ${CUSTOMER.id}, r.platform, r.external_id, 'email', r.sent_at, ''
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(platform text, external_id text, sent_at timestamptz)
        RETURNING id`,
    );
    communications.push(...ids.map((r) => r.id));
  };

  const loadTo = async (target: number) => {
    await ensureCommunications(target);
    while (loaded < target) {
      if (loadMs > LOAD_BUDGET_MS) return false;
      const t0 = performance.now();
      const size = Math.min(BATCH, target - loaded);
      const rows = Array.from({ length: size }, (_, i) => {
        const n = loaded + i;
        const topic = n % TOPICS;
        return {
          communication_id: communications[Math.floor(n / 10)],
          idx: n % 10,
          content: sentence(topic, 12),
          e: toVectorText(near(topic, 0.9).map((x) => Number(x.toFixed(5)))),
        };
      });
      await inTenant(
        (t) =>
          t.sql`
          INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content, embedding_model, embedding)
          SELECT ${CUSTOMER.id}, r.communication_id, 'communication', r.idx, r.content, ${MODEL}, r.e::vector
          FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS r(communication_id uuid, idx int, content text, e text)`,
      );
      loaded += size;
      loadMs += performance.now() - t0;
      if (loaded % 10_000 === 0) console.log(`loaded ${loaded} chunks (${(loadMs / 1000).toFixed(0)} s of loading)`);
    }
    return true;
  };

  const measure = async (size: number) => {
    // The queries below run as the application role under forced RLS: without a tenant, nothing is visible.
    const guard = await pglite.query<{ role: string; visible: number }>(
      'SELECT current_user AS role, (SELECT count(*)::int FROM chunks) AS visible',
    );
    if (guard.rows[0]?.role !== 'panops_app' || guard.rows[0]?.visible !== 0) {
      throw new Error(`bench is not running under RLS as panops_app: ${JSON.stringify(guard.rows[0])}`);
    }
    const queries = Array.from({ length: QUERIES }, (_, i) => {
      const topic = (i * 37) % TOPICS;
      return { vector: near(topic, 0.9), text: sentence(topic, 3) };
    });
    const settings = { ...defaultInferenceSettings, embeddingDimensions: DIMENSIONS };
    const timeSearch = async (runtime: typeof hnsw) => {
      const samples: number[] = [];
      for (const [i, q] of queries.entries()) {
        nextQueryVector = q.vector;
        const t0 = performance.now();
        await runtime.runPromise(
          Effect.gen(function* () {
            return yield* (yield* HybridSearch).search(CUSTOMER, { actor: 'bench', query: q.text, limit: 10 });
          }).pipe(Effect.provideService(InferenceSettingsRef, settings)) as Effect.Effect<
            unknown,
            unknown,
            HybridSearch
          >,
        );
        if (i > 2) samples.push(performance.now() - t0); // the first few warm caches up
      }
      return samples;
    };
    // Guard: the HNSW path must really walk the index (the planner prefers an exact scan without this care).
    const plan = await inTenant((t) =>
      Effect.andThen(
        useHnsw(t.sql, defaultHybridSearchOptions.efSearch),
        t.sql<Record<string, string>>`EXPLAIN ${hnswNearest(t.sql, toVectorText(queries[0]?.vector ?? []), MODEL, 50)}`,
      ),
    );
    if (!plan.some((row) => /Index Scan using chunks_embedding_hnsw/.test(String(Object.values(row)[0])))) {
      throw new Error(`the HNSW path does not use the index:\n${plan.map((r) => Object.values(r)[0]).join('\n')}`);
    }
    const hnswMs = await timeSearch(hnsw);
    const exactMs = await timeSearch(exact as unknown as typeof hnsw);
    // recall@10 of the HNSW vector side against exact search, same queries.
    let overlap = 0;
    for (const q of queries) {
      const v = toVectorText(q.vector);
      const [truth, approx] = await inTenant((t) =>
        Effect.gen(function* () {
          const truth = yield* t.sql<{ id: string }>`
            SELECT id FROM chunks WHERE embedding IS NOT NULL AND embedding_model = ${MODEL}
            ORDER BY (embedding <=> ${v}::vector) + 0 LIMIT 10`;
          // Exactly what the search service runs on its HNSW path.
          yield* useHnsw(t.sql, defaultHybridSearchOptions.efSearch);
          const approx = yield* hnswNearest(t.sql, v, MODEL, 10);
          return [truth, approx] as const;
        }),
      );
      const truthIds = new Set(truth.map((r) => r.id));
      overlap += approx.filter((r) => truthIds.has(r.id)).length;
    }
    const recall = overlap / (QUERIES * 10);
    const conditions = { chunks: size, dimensions: DIMENSIONS, topics: TOPICS, customers: 1 };
    figures.push(
      figure('hybrid search, HNSW vector side', 'ms', hnswMs, conditions),
      figure('hybrid search, exact vector side', 'ms', exactMs, conditions),
      {
        name: 'recall@10 HNSW vs exact',
        unit: 'ratio',
        repetitions: QUERIES,
        median: recall,
        min: recall,
        max: recall,
        conditions,
      },
    );
    const line = `${size} chunks: HNSW p50 ${percentile(hnswMs, 50).toFixed(1)} ms p95 ${percentile(hnswMs, 95).toFixed(1)} ms; exact p50 ${percentile(exactMs, 50).toFixed(1)} ms p95 ${percentile(exactMs, 95).toFixed(1)} ms; recall@10 ${recall.toFixed(3)}`;
    notes.push(line);
    console.log(line);
  };

  for (const checkpoint of CHECKPOINTS) {
    const complete = await loadTo(checkpoint);
    if (!complete) {
      notes.push(`loading stopped at ${loaded} chunks: the ${LOAD_BUDGET_MS / 1000} s loading budget was spent`);
      await buildIndex(loaded);
      await measure(loaded);
      break;
    }
    await buildIndex(checkpoint);
    await measure(checkpoint);
  }
  notes.push(
    `loading ${loaded} chunks took ${(loadMs / 1000).toFixed(0)} s (${((loaded / loadMs) * 1000).toFixed(0)} chunks/s, chunk_terms maintained on insert, HNSW built at each checkpoint)`,
  );
  const path = writeBenchResult({
    benchmark: 'hybrid-search',
    description:
      'Hybrid search (vector + chunk_terms, RRF) for one customer on PGlite under forced RLS: latency and recall@10 of HNSW vs exact',
    figures,
    notes,
  });
  console.log(`wrote ${path}`);
  await hnsw.dispose();
  await exact.dispose();
  await pglite.close();
};

await main();
