import { Effect, Layer, ManagedRuntime } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';
import { Embeddings } from '../../../src/services/inference/embeddings.js';
import { Indexer } from '../../../src/services/inference/indexer.js';
import { openServerDatabase, type TestDatabase } from '../../support/database.js';
import { seedCommunication, seedCustomer } from './archive-fixtures.js';

/**
 * Indexing on the distribution PostgreSQL 15 (no pgvector, so chunks have no
 * embedding column): chunks and their chunk_terms are written in batches for
 * term search, and the embedding model is never called.
 */
const CUSTOMER = { id: '5b7e2c1d-3a4f-4e6b-8c9d-0e1f2a3b4c05', whisperModel: 'medium' as const };
let db: TestDatabase;
let runtime: ManagedRuntime.ManagedRuntime<Indexer | TenantSql, unknown>;
let embedCalls = 0;

beforeAll(async () => {
  db = await openServerDatabase({ maxConnections: 2 });
  const embeddings = Layer.succeed(Embeddings, {
    embed: (texts) =>
      Effect.sync(() => {
        embedCalls++;
        return texts.map(() => []);
      }),
  });
  runtime = ManagedRuntime.make(
    Indexer.layer({ maxChars: 120, overlapChars: 20 }).pipe(
      Layer.provide(embeddings),
      Layer.provideMerge(TenantSql.layer().pipe(Layer.provide(db.appLayer))),
    ),
  );
  await runtime.runPromise(
    Effect.gen(function* () {
      yield* seedCustomer(CUSTOMER.id, 'indexer-server');
      for (let i = 0; i < 12; i++) {
        yield* seedCommunication(CUSTOMER.id, {
          externalId: `s${i}`,
          sentAt: `2024-03-01T10:${String(i).padStart(2, '0')}:00Z`,
          subject: `Settlement ${i}`,
          body: `Settlement instruction ${i} confirmed by the custodian before noon. `.repeat(4),
        });
      }
      // Nothing to chunk: passed once, never read again in the same run.
      yield* seedCommunication(CUSTOMER.id, { externalId: 'empty', sentAt: '2024-03-01T11:00:00Z' });
    }),
  );
});

afterAll(async () => {
  await runtime?.dispose();
  await db?.close();
});

const counts = () =>
  runtime.runPromise(
    Effect.gen(function* () {
      const t = yield* TenantSql;
      return yield* t.withCustomer(
        CUSTOMER.id,
        t.sql<{ chunks: number; terms: number; sources: number }>`
          SELECT (SELECT count(*)::int FROM chunks) AS chunks, (SELECT count(*)::int FROM chunk_terms) AS terms,
                 (SELECT count(DISTINCT communication_id)::int FROM chunks) AS sources`,
      );
    }),
  );

describe('Indexer on a server without pgvector', () => {
  it('writes the chunks and chunk_terms of every pending communication in batches, without embedding', async () => {
    expect(db.hasVector).toBe(false);
    const first = await runtime.runPromise(Indexer.use((i) => i.indexPending(CUSTOMER)));
    expect(first.sources).toBe(13);
    expect(first.chunks).toBeGreaterThan(12);
    const [row] = await counts();
    expect(row).toMatchObject({ chunks: first.chunks, sources: 12 });
    expect(row?.terms).toBeGreaterThan(first.chunks);
    expect(embedCalls).toBe(0);
    // Idempotent: a second run finds only the communication with nothing to chunk.
    const again = await runtime.runPromise(Indexer.use((i) => i.indexPending(CUSTOMER)));
    expect(again).toEqual({ sources: 1, chunks: 0 });
    expect((await counts())[0]?.chunks).toBe(first.chunks);
  });
});
