import { Effect, Layer, ManagedRuntime } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';
import { Embeddings } from '../../../src/services/inference/embeddings.js';
import { Indexer } from '../../../src/services/inference/indexer.js';
import { type InferenceSettings, InferenceSettingsRef } from '../../../src/services/inference/settings.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedCommunication, seedCustomer } from './archive-fixtures.js';
import { bagOfWordsEmbedding, type FakeOpenAiServer, startFakeOpenAiServer } from './openai-server.js';
import { testInferenceSettings } from './settings.js';

const CUSTOMER = { id: '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02', whisperModel: 'medium' as const };
const DIMENSIONS = 64;
const OLD_MODEL = 'BAAI/bge-small-en-v1.5';
const NEW_MODEL = 'intfloat/e5-small-v2';

let server: FakeOpenAiServer;
let db: TestDatabase;
let runtime: ManagedRuntime.ManagedRuntime<Indexer | TenantSql, unknown>;
let settings: InferenceSettings;

const run = <A, E>(effect: Effect.Effect<A, E, Indexer | TenantSql>, s = settings) =>
  runtime.runPromise(effect.pipe(Effect.provideService(InferenceSettingsRef, s)));

const chunkRows = () =>
  run(
    Effect.gen(function* () {
      const t = yield* TenantSql;
      return yield* t.withCustomer(
        CUSTOMER.id,
        t.sql<{ content: string; embedding_model: string; embedding: string }>`
          SELECT content, embedding_model, embedding::text AS embedding FROM chunks ORDER BY communication_id, chunk_index`,
      );
    }),
  );

beforeAll(async () => {
  server = await startFakeOpenAiServer({ dimensions: DIMENSIONS, embeddingModels: [OLD_MODEL, NEW_MODEL] });
  db = await openPgliteTestDatabase({ embeddingDimensions: DIMENSIONS });
  settings = testInferenceSettings(server.url, { embeddingDimensions: DIMENSIONS, embeddingBatchSize: 4 });
  const indexer = Indexer.layer({ maxChars: 120, overlapChars: 20 }).pipe(
    Layer.provide(Embeddings.layer.pipe(Layer.provide(FetchHttpClient.layer))),
  );
  runtime = ManagedRuntime.make(
    indexer.pipe(Layer.provideMerge(TenantSql.layer().pipe(Layer.provideMerge(db.appLayer)))),
  );
  await run(
    Effect.gen(function* () {
      yield* seedCustomer(CUSTOMER.id, 'borealis-health');
      for (let i = 0; i < 5; i++) {
        yield* seedCommunication(CUSTOMER.id, {
          externalId: `m${i}`,
          subject: `Patient intake ${i}`,
          body: `Intake form ${i} was reviewed by the compliance team. `.repeat(6),
        });
      }
    }),
  );
});

afterAll(async () => {
  await runtime?.dispose();
  await db?.close();
  await server?.close();
});

describe('Indexer', () => {
  it('chunks and embeds every pending communication once, with the configured model', async () => {
    const first = await run(Indexer.use((i) => i.indexPending(CUSTOMER)));
    expect(first.sources).toBe(5);
    const rows = await chunkRows();
    expect(rows.length).toBe(first.chunks);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.every((r) => r.content.length <= 120 && r.embedding_model === OLD_MODEL)).toBe(true);
    const stored = JSON.parse(rows[0]?.embedding ?? '[]') as number[];
    const expected = bagOfWordsEmbedding(rows[0]?.content ?? '', DIMENSIONS);
    for (const [i, v] of stored.entries()) expect(v).toBeCloseTo(expected[i] ?? Number.NaN, 5);
    expect(stored).toHaveLength(DIMENSIONS);

    const again = await run(Indexer.use((i) => i.indexPending(CUSTOMER)));
    expect(again).toEqual({ sources: 0, chunks: 0 });
    expect(await chunkRows()).toEqual(rows);
  });

  it('re-embeds every chunk with a new model as a command, in batches, and then has nothing left to do', async () => {
    const before = await chunkRows();
    server.requests.length = 0;
    const changed = { ...settings, embeddingModel: NEW_MODEL };
    const result = await run(
      Indexer.use((i) => i.reembed(CUSTOMER)),
      changed,
    );
    expect(result).toEqual({ chunks: before.length, model: NEW_MODEL });
    expect((await chunkRows()).every((r) => r.embedding_model === NEW_MODEL)).toBe(true);
    expect(server.requests.every((r) => r.body.model === NEW_MODEL && (r.body.input as string[]).length <= 4)).toBe(
      true,
    );
    const idle = await run(
      Indexer.use((i) => i.reembed(CUSTOMER)),
      changed,
    );
    expect(idle.chunks).toBe(0);
  });

  it('refuses to re-embed with a model whose dimension differs from the column, changing nothing', async () => {
    const before = await chunkRows();
    const result = await runtime.runPromise(
      Indexer.use((i) => i.reembed(CUSTOMER)).pipe(
        Effect.provideService(InferenceSettingsRef, {
          ...settings,
          embeddingModel: OLD_MODEL,
          embeddingDimensions: 384,
        }),
        Effect.result,
      ),
    );
    expect(result._tag === 'Failure' && result.failure).toMatchObject({
      _tag: 'EmbeddingDimensionMismatch',
      configured: 384,
      column: DIMENSIONS,
    });
    expect(await chunkRows()).toEqual(before);
  });
});
