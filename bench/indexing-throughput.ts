/**
 * Indexing throughput: chunks per second that the indexer turns stored
 * communications into — chunking, the chunk rows and their `chunk_terms`,
 * under forced RLS through the tenant-scoped service — on the PostgreSQL
 * server and on PGlite.
 *
 * - The communications are stored first by the real pipeline (archive import
 *   of an mbox, not timed); their bodies are prose of 300–6,000 characters
 *   over a 3,000-word vocabulary (one to six chunks each).
 * - Embedding is not the indexer's work: the embedding model answers through
 *   an in-process `Embeddings` service (deterministic vectors), its time is
 *   measured, reported apart, and taken out of the indexing time.
 * - The HNSW index is dropped before indexing (as a bulk import would) and its
 *   build after indexing is reported apart (PGlite: the server has no pgvector).
 * - The one-core parse ceiling of the same corpus (`lib/parse-ceiling.ts`) is
 *   measured just before and after each repetition; chunks/s is also reported
 *   as a ratio to it (a machine-speed yardstick: chunks per parsed message-time).
 *
 *   npx projen bench:search     (INDEX_MESSAGES=2000 INDEX_REPS=3 to change)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { Effect, Exit, Layer, ManagedRuntime } from 'effect';
import type { SqlClient } from 'effect/sql';
import { localArchiveStoreLayer } from '../src/services/archive/local.js';
import { makeArchiveImportConnector } from '../src/services/connectors/import/archive-import.js';
import { localCursorStoreLayer } from '../src/services/cursor/local.js';
import { migrate } from '../src/services/db/migrate.js';
import { pgliteClientLayer } from '../src/services/db/pglite.js';
import { TenantSql } from '../src/services/db/tenant-sql.js';
import { Embeddings } from '../src/services/inference/embeddings.js';
import { Indexer } from '../src/services/inference/indexer.js';
import { Connectors } from '../src/services/pipeline/connector.js';
import { memoryConnectorStatusLayer } from '../src/services/pipeline/connector-status.js';
import { sqlIngestLayer } from '../src/services/pipeline/ingest-sql.js';
import { runJob } from '../src/services/pipeline/runner.js';
import { memoryTranscriptionJobsLayer } from '../src/services/queue/transcription-jobs.js';
import { openServerDatabase } from '../test/support/database.js';
import { mboxOf, prose } from './lib/corpus.js';
import { measureParseCeiling, readCorpus } from './lib/parse-ceiling.js';
import { type Figure, figure, writeBenchResult } from './lib/results.js';

const MESSAGES = Number(process.env.INDEX_MESSAGES ?? 2000);
const REPS = Number(process.env.INDEX_REPS ?? 3);
const DIMENSIONS = 384;

type AppLayer = Layer.Layer<SqlClient.SqlClient, unknown>;

interface Target {
  readonly name: string;
  readonly app: AppLayer;
  readonly ingestConcurrency: number;
  /** Builds the HNSW index as the owner and returns milliseconds, where pgvector exists. */
  readonly buildHnsw?: () => Promise<number>;
  readonly close: () => Promise<void>;
}

/** Deterministic unit vectors, cheap to make: the embedding model is not what this bench measures. */
let embedMs = 0;
const timedEmbeddings = Layer.succeed(Embeddings, {
  embed: (texts, target) =>
    Effect.sync(() => {
      const t0 = performance.now();
      const vectors = texts.map((text) => {
        let h = 2166136261;
        for (let i = 0; i < text.length; i += 7) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
        const v = Array.from({ length: target.dimensions }, (_, j) => Math.sin(h + j * 0.37));
        const n = Math.hypot(...v);
        return v.map((x) => Number((x / n).toFixed(5)));
      });
      embedMs += performance.now() - t0;
      return vectors;
    }),
});

const openPgliteTarget = async (): Promise<Target> => {
  // Superuser session under SET ROLE (as bench/hybrid-search.ts): rows go through the application
  // role under forced RLS; only the HNSW drop and build step out to the owner.
  const pglite = await PGlite.create({ extensions: { vector, pg_trgm } });
  await Effect.runPromise(
    migrate({ embeddingDimensions: DIMENSIONS }).pipe(Effect.provide(pgliteClientLayer(pglite)), Effect.scoped),
  );
  await pglite.exec('DROP INDEX chunks_embedding_hnsw; SET ROLE panops_app');
  return {
    name: 'PGlite',
    app: pgliteClientLayer(pglite) as AppLayer,
    ingestConcurrency: 1,
    buildHnsw: async () => {
      const t0 = performance.now();
      await pglite.exec(
        "RESET ROLE; SET maintenance_work_mem = '512MB'; CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops)",
      );
      const ms = performance.now() - t0;
      await pglite.exec('DROP INDEX chunks_embedding_hnsw; SET ROLE panops_app');
      return ms;
    },
    close: () => pglite.close(),
  };
};

const openServerTarget = async (): Promise<Target> => {
  const db = await openServerDatabase({ maxConnections: 8, embeddingDimensions: DIMENSIONS });
  return { name: 'PostgreSQL 15 server', app: db.appLayer as AppLayer, ingestConcurrency: 8, close: db.close };
};

/** Stores the corpus for a new customer through the pipeline (not timed); returns the customer id. */
const storeCorpus = async (target: Target, mboxPath: string) => {
  const customerId = randomUUID();
  const tenant = TenantSql.layer({ statementTimeout: '10 minutes' }).pipe(Layer.provide(target.app));
  const archiveDir = mkdtempSync(join(tmpdir(), 'bench-index-archive-'));
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(
      Connectors.layer([makeArchiveImportConnector({ pageSize: 100 })]),
      sqlIngestLayer({ concurrency: target.ingestConcurrency }).pipe(
        Layer.provide(Layer.mergeAll(tenant, localArchiveStoreLayer(archiveDir), memoryTranscriptionJobsLayer())),
      ),
      localCursorStoreLayer(),
      memoryConnectorStatusLayer(),
      tenant,
    ) as Layer.Layer<Effect.Services<ReturnType<typeof runJob>> | TenantSql>,
  );
  try {
    await runtime.runPromise(
      Effect.gen(function* () {
        const t = yield* TenantSql;
        yield* t.withCustomer(
          customerId,
          t.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${`bench-${customerId.slice(0, 8)}`}, 'Bench')`,
        );
      }),
    );
    const exit = await runtime.runPromiseExit(
      runJob({
        version: 1,
        jobId: randomUUID(),
        customerId,
        connectorId: 'bench',
        platform: 'import',
        kind: 'import',
        requestedAt: new Date().toISOString(),
        params: { path: mboxPath },
      }),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    if (exit.value.scopes[0]?.stored !== MESSAGES) throw new Error(`stored ${exit.value.scopes[0]?.stored}`);
    return customerId;
  } finally {
    await runtime.dispose();
    rmSync(archiveDir, { recursive: true, force: true });
  }
};

/** Indexes every pending communication of the customer; seconds of indexing with the embedding time taken out. */
const index = async (target: Target, customerId: string) => {
  const runtime = ManagedRuntime.make(
    Indexer.layer().pipe(
      Layer.provide(timedEmbeddings),
      Layer.provideMerge(TenantSql.layer({ statementTimeout: '10 minutes' }).pipe(Layer.provide(target.app))),
    ) as Layer.Layer<Indexer | TenantSql>,
  );
  try {
    embedMs = 0;
    const started = performance.now();
    const result = await runtime.runPromise(
      Indexer.use((i) => i.indexPending({ id: customerId, whisperModel: 'large-v3' })) as Effect.Effect<{
        sources: number;
        chunks: number;
      }>,
    );
    const wallMs = performance.now() - started;
    const terms = await runtime.runPromise(
      Effect.gen(function* () {
        const t = yield* TenantSql;
        const rows = yield* t.withCustomer(
          customerId,
          t.sql<{ n: number }>`SELECT count(*)::int AS n FROM chunk_terms`,
        );
        return rows[0]?.n ?? 0;
      }) as Effect.Effect<number, never, TenantSql>,
    );
    return { ...result, wallMs, embedMs, terms };
  } finally {
    await runtime.dispose();
  }
};

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-index-mbox-'));
  const figures: Figure[] = [];
  const notes: string[] = [];
  const openers: Array<[string, () => Promise<Target>]> = [
    ['PostgreSQL 15 server', openServerTarget],
    ['PGlite', openPgliteTarget],
  ];
  try {
    for (const [name, open] of openers) {
      let target: Target;
      try {
        target = await open();
      } catch (error) {
        notes.push(`${name}: not measured (${(error as Error).message.split('\n')[0]})`);
        continue;
      }
      try {
        const rates: number[] = [];
        const ratios: number[] = [];
        const ceilings: number[] = [];
        const embeds: number[] = [];
        const hnsw: number[] = [];
        const loads: number[] = [];
        const termRates: number[] = [];
        let chunkCount = 0;
        let termsPerChunk = 0;
        for (let rep = 0; rep < REPS; rep++) {
          const path = join(dir, `${name.replace(/\W+/g, '-')}-${rep}.mbox`);
          writeFileSync(path, mboxOf(MESSAGES, `index-${rep}-${randomUUID().slice(0, 6)}`, prose));
          const corpus = await readCorpus(path);
          const customerId = await storeCorpus(target, path);
          const before = await measureParseCeiling(corpus);
          const load = loadavg()[0] ?? 0;
          const run = await index(target, customerId);
          const ceiling = (before + (await measureParseCeiling(corpus))) / 2;
          if (run.sources !== MESSAGES) throw new Error(`indexed ${run.sources} of ${MESSAGES} communications`);
          const rate = run.chunks / ((run.wallMs - run.embedMs) / 1000);
          chunkCount = run.chunks;
          termsPerChunk = Math.round(run.terms / run.chunks);
          termRates.push(run.terms / ((run.wallMs - run.embedMs) / 1000));
          rates.push(rate);
          ratios.push(rate / ceiling);
          ceilings.push(ceiling);
          embeds.push(run.embedMs);
          loads.push(load);
          const hnswMs = target.buildHnsw ? await target.buildHnsw() : undefined;
          if (hnswMs !== undefined) hnsw.push(hnswMs);
          console.log(
            `${name} rep ${rep + 1}: ${run.chunks} chunks of ${run.sources} communications, ${rate.toFixed(0)} chunks/s without embedding (${(rate / ceiling).toFixed(2)}x the ${ceiling.toFixed(0)} msg/s ceiling); embedding ${run.embedMs.toFixed(0)} ms apart; ${hnswMs === undefined ? 'no HNSW (no pgvector)' : `HNSW build ${hnswMs.toFixed(0)} ms`}; load ${load.toFixed(2)}`,
          );
        }
        const conditions = { messages: MESSAGES, chunks: chunkCount, termsPerChunk };
        figures.push(
          figure(`${name}: one-core parse ceiling (MIME parse + SHA-256)`, 'messages/s', ceilings, conditions),
          figure(
            `${name}: indexing (chunking, chunk rows, chunk_terms; embedding excluded)`,
            'chunks/s',
            rates,
            conditions,
          ),
          figure(`${name}: indexing ÷ ceiling`, 'ratio', ratios, conditions),
          figure(`${name}: chunk_terms rows written`, 'rows/s', termRates, conditions),
          figure(`${name}: embedding calls (reported apart)`, 'ms', embeds, conditions),
          ...(hnsw.length > 0
            ? [figure(`${name}: HNSW build after indexing (reported apart)`, 'ms', hnsw, conditions)]
            : []),
          figure(`${name}: load average (1 min) at start`, 'load', loads, conditions),
        );
      } catch (error) {
        notes.push(`${name}: not measured (${(error as Error).message.split('\n')[0]})`);
        console.log(`${name}: not measured: ${(error as Error).message}`);
      } finally {
        await target.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    'Indexing = Indexer.indexPending over communications stored by the pipeline: read, chunk (1,200 characters, 150 overlap), write chunk rows and chunk_terms under forced RLS; the embedding service time is measured and subtracted.',
    'Ratio = chunks/s ÷ the one-core parse ceiling (messages/s) of the same corpus measured just before and after the repetition (mean).',
    'Measured on the shared 2-core development machine; other work was running (load averages are in the figures).',
  );
  const path = writeBenchResult({
    benchmark: 'indexing-throughput',
    description: 'Indexing throughput (chunks, chunk_terms) under forced RLS on the PostgreSQL server and PGlite',
    figures,
    notes,
  });
  console.log(`wrote ${path}`);
};

await main();
