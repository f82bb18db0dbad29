import { Effect, Layer, ManagedRuntime } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';
import { Chat } from '../../../src/services/inference/chat.js';
import { Embeddings } from '../../../src/services/inference/embeddings.js';
import { Indexer } from '../../../src/services/inference/indexer.js';
import { type InferenceSettings, InferenceSettingsRef } from '../../../src/services/inference/settings.js';
import { AnswerService } from '../../../src/services/search/answer.js';
import { askCommand, searchCommand } from '../../../src/services/search/commands.js';
import {
  defaultHybridSearchOptions,
  HybridSearch,
  hnswNearest,
  type SearchRequest,
  useHnsw,
} from '../../../src/services/search/hybrid-search.js';
import { openPgliteTestDatabase, type TestDatabase } from '../../support/database.js';
import { seedCommunication, seedCustomer, seedRecording } from '../inference/archive-fixtures.js';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../inference/openai-server.js';
import { testInferenceSettings } from '../inference/settings.js';

const A = { id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', whisperModel: 'large-v3' as const };
const B = { id: 'c4d2e6f8-0a1b-4c3d-8e5f-7a9b1c3d5e03', whisperModel: 'large-v3' as const };
const DIMENSIONS = 256;

const PLANTED_A = 'Alice confirmed the Rhodium bond allocation for the third quarter is forty million.';
const PLANTED_B = 'Rhodium bond allocation for the third quarter confirmed at ninety nine million, keep it secret.';
const TOPICS = ['lunch order', 'office move', 'printer toner', 'holiday rota', 'parking permits', 'team offsite'];

type Services = HybridSearch | AnswerService | Indexer | TenantSql;
let server: FakeOpenAiServer;
let db: TestDatabase;
let runtime: ManagedRuntime.ManagedRuntime<Services, unknown>;
let hnswRuntime: ManagedRuntime.ManagedRuntime<HybridSearch, unknown>;
let settings: InferenceSettings;
const ids: Record<string, string> = {};

const run = <A2, E>(effect: Effect.Effect<A2, E, Services>, s = settings) =>
  runtime.runPromise(effect.pipe(Effect.provideService(InferenceSettingsRef, s)));

const search = (customer: typeof A, request: Partial<SearchRequest> & { query: string }, s?: InferenceSettings) =>
  run(
    Effect.gen(function* () {
      return yield* (yield* HybridSearch).search(customer, { actor: 'analyst@panops', ...request });
    }),
    s,
  );

beforeAll(async () => {
  server = await startFakeOpenAiServer({ dimensions: DIMENSIONS });
  db = await openPgliteTestDatabase({ embeddingDimensions: DIMENSIONS });
  settings = testInferenceSettings(server.url, { embeddingDimensions: DIMENSIONS });
  const clients = Layer.mergeAll(Embeddings.layer, Chat.layer).pipe(Layer.provide(FetchHttpClient.layer));
  const tenant = TenantSql.layer().pipe(Layer.provideMerge(db.appLayer));
  const searchLayer = HybridSearch.layer().pipe(Layer.provide(clients));
  const services = Layer.mergeAll(
    AnswerService.layer.pipe(Layer.provideMerge(searchLayer), Layer.provide(clients)),
    Indexer.layer({ maxChars: 400, overlapChars: 50 }).pipe(Layer.provide(clients)),
  ).pipe(Layer.provideMerge(tenant));
  runtime = ManagedRuntime.make(services);
  // The same data through the HNSW path (as for a tenant above the exact-search threshold).
  hnswRuntime = ManagedRuntime.make(
    HybridSearch.layer({ ...defaultHybridSearchOptions, exactSearchMaxChunks: 0 }).pipe(
      Layer.provide(clients),
      Layer.provide(tenant),
    ),
  );

  await run(
    Effect.gen(function* () {
      yield* seedCustomer(A.id, 'acme-capital');
      yield* seedCustomer(B.id, 'cobalt-advisors');
      for (const [i, topic] of TOPICS.entries()) {
        for (const customer of [A, B]) {
          yield* seedCommunication(customer.id, {
            externalId: `filler-${i}`,
            subject: `About the ${topic}`,
            body: `Quick note on the ${topic}: please reply by Friday with your preference for the ${topic}.`,
            sender: 'office@example.com',
            sentAt: `2024-0${(i % 6) + 1}-15T09:00:00Z`,
          });
        }
      }
      ids.plantedA = yield* seedCommunication(A.id, {
        externalId: 'planted-a',
        subject: 'Q3 allocation',
        body: PLANTED_A,
        sender: 'alice@acme.example',
        sentAt: '2024-05-10T14:30:00Z',
        participants: [{ role: 'to', address: 'Desk@acme.example' }],
      });
      ids.slackA = yield* seedCommunication(A.id, {
        externalId: 'slack-1',
        platform: 'slack',
        kind: 'chat',
        body: 'the bond desk is closed on monday for the allocation review',
        sender: 'U123',
        sentAt: '2024-05-11T08:00:00Z',
      });
      ids.plantedB = yield* seedCommunication(B.id, {
        externalId: 'planted-b',
        subject: 'Q3 allocation',
        body: PLANTED_B,
        sender: 'mallory@cobalt.example',
        sentAt: '2024-05-10T14:30:00Z',
      });
      // A call with a finished transcript: the planted sentence is said at 00:01:05.
      ids.callA = yield* seedCommunication(A.id, {
        externalId: 'call-1',
        platform: 'zoom',
        kind: 'call',
        sentAt: '2024-05-12T10:00:00Z',
      });
      ids.recordingA = yield* seedRecording(A.id, ids.callA, 'objects/sha256/aa/call');
      const tenantSql = yield* TenantSql;
      yield* tenantSql.withCustomer(
        A.id,
        Effect.gen(function* () {
          const lines = [
            [0, 30, 'good morning everyone thanks for joining'],
            [30, 65, 'first item is the quarterly review of the desk'],
            [65, 80, 'the zeppelin hedge unwinds on friday at the close'],
            [80, 95, 'any other business before we wrap up'],
          ] as const;
          for (const [i, [start, end, text]] of lines.entries()) {
            yield* tenantSql.sql`INSERT INTO transcript_segments (customer_id, recording_id, model, segment_index, start_seconds, end_seconds, speaker, text)
              VALUES (${A.id}, ${ids.recordingA}, 'openai/whisper-large-v3', ${i}, ${start}, ${end}, ${i === 2 ? 'carol' : 'host'}, ${text})`;
          }
          yield* tenantSql.sql`UPDATE recordings SET transcription_status = 'done' WHERE id = ${ids.recordingA}`;
        }),
      );
      const indexer = yield* Indexer;
      yield* indexer.indexPending(A);
      yield* indexer.indexPending(B);
    }),
  );
});

afterAll(async () => {
  await hnswRuntime?.dispose();
  await runtime?.dispose();
  await db?.close();
  await server?.close();
});

beforeEach(() => {
  server.requests.length = 0;
  for (const queue of Object.values(server.faults)) queue.length = 0;
});

const auditRows = (customer: typeof A) =>
  run(
    Effect.gen(function* () {
      const t = yield* TenantSql;
      return yield* t.withCustomer(
        customer.id,
        t.sql<{
          actor: string;
          action: string;
          query: string;
          details: { returned: { chunkId: string }[]; cited?: { communicationId: string }[] };
        }>`
          SELECT actor, action, query, details FROM audit_log ORDER BY occurred_at DESC, id`,
      );
    }),
  );

describe('HybridSearch', () => {
  it('ranks the planted message first for a question about it, found by both vector and terms', async () => {
    const result = await search(A, { query: 'What did Alice say about the Rhodium bond allocation?' });
    expect(result.mode).toBe('hybrid');
    expect(result.vectorStrategy).toBe('exact');
    expect(result.hits[0]?.communicationId).toBe(ids.plantedA);
    expect(result.hits[0]?.vectorRank).toBe(1);
    expect(result.hits[0]?.textRank).toBe(1);
  });

  it("never returns another customer's planted message, even for its exact words", async () => {
    const asA = await search(A, { query: PLANTED_B, limit: 100 });
    expect(asA.hits.length).toBeGreaterThan(0);
    expect(asA.hits.map((h) => h.communicationId)).not.toContain(ids.plantedB);
    const asB = await search(B, { query: PLANTED_A, limit: 100 });
    expect(asB.hits[0]?.communicationId).toBe(ids.plantedB);
    expect(asB.hits.map((h) => h.communicationId)).not.toContain(ids.plantedA);
  });

  it('finds the same first hit through HNSW with iterative scan as through exact search', async () => {
    const result = await hnswRuntime.runPromise(
      Effect.gen(function* () {
        return yield* (yield* HybridSearch).search(A, { actor: 'analyst@panops', query: 'Rhodium bond allocation' });
      }).pipe(Effect.provideService(InferenceSettingsRef, settings)),
    );
    expect(result.vectorStrategy).toBe('hnsw');
    expect(result.hits[0]?.communicationId).toBe(ids.plantedA);
  });

  it('really walks the HNSW index on that path (not an exact scan the planner chose instead)', async () => {
    const plan = await run(
      Effect.gen(function* () {
        const t = yield* TenantSql;
        const probe = `[${Array.from({ length: DIMENSIONS }, (_, i) => (i === 0 ? 1 : 0)).join(',')}]`;
        return yield* t.withCustomer(
          A.id,
          Effect.andThen(
            useHnsw(t.sql, 100),
            t.sql<Record<string, string>>`EXPLAIN ${hnswNearest(t.sql, probe, settings.embeddingModel, 50)}`,
          ),
        );
      }),
    );
    expect(plan.map((row) => Object.values(row)[0]).join('\n')).toMatch(/Index Scan using chunks_embedding_hnsw/);
  });

  it('applies platform, date range and participant filters', async () => {
    const query = 'bond allocation';
    const all = await search(A, { query });
    expect(all.hits.map((h) => h.communicationId)).toEqual(expect.arrayContaining([ids.plantedA, ids.slackA]));
    const slack = await search(A, { query, filters: { platforms: ['slack'] } });
    expect(new Set(slack.hits.map((h) => h.communicationId))).toEqual(new Set([ids.slackA]));
    const before = await search(A, { query, filters: { to: '2024-05-01T00:00:00Z' } });
    expect(before.hits.map((h) => h.communicationId)).not.toContain(ids.plantedA);
    const window = await search(A, { query, filters: { from: '2024-05-10T00:00:00Z', to: '2024-05-11T00:00:00Z' } });
    expect(window.hits.map((h) => h.communicationId)).toEqual([ids.plantedA]);
    // A recipient matches case-insensitively, like the sender.
    const desk = await search(A, { query, filters: { participants: ['desk@ACME.example'] } });
    expect(desk.hits.map((h) => h.communicationId)).toEqual([ids.plantedA]);
    const nobody = await search(A, { query, filters: { participants: ['bob@acme.example'] } });
    expect(nobody.hits).toEqual([]);
  });

  it('returns transcript passages with their recording times and speaker', async () => {
    const result = await search(A, { query: 'when does the zeppelin hedge unwind?' });
    const hit = result.hits[0];
    expect(hit).toMatchObject({ communicationId: ids.callA, recordingId: ids.recordingA, sourceKind: 'transcript' });
    expect(hit?.startSeconds).toBe(65);
    expect(hit?.endSeconds).toBe(80);
    expect(hit?.speaker).toBe('carol');
  });

  it('writes an audit row per search naming the actor, the query and exactly the items returned', async () => {
    const result = await search(A, { actor: 'auditor-7', query: 'printer toner' });
    const [latest] = await auditRows(A);
    expect(latest).toMatchObject({ actor: 'auditor-7', action: 'search', query: 'printer toner' });
    expect(latest?.details.returned.map((r) => r.chunkId)).toEqual(result.hits.map((h) => h.chunkId));
    expect((await auditRows(B)).some((r) => r.actor === 'auditor-7')).toBe(false);
  });

  it('falls back to text search, and says so, when embeddings are not configured or unavailable', async () => {
    const textOnly = await search(A, { query: 'Rhodium bond allocation', textOnly: true });
    expect(textOnly).toMatchObject({ mode: 'text', vectorStrategy: 'none' });
    expect(textOnly.notice).toMatch(/text search only/);
    expect(textOnly.hits[0]?.communicationId).toBe(ids.plantedA);
    for (let i = 0; i < 500; i++) server.faults.embeddings.push({ kind: 'status', status: 503 });
    const down = await search(
      A,
      { query: 'Rhodium bond allocation' },
      { ...settings, vllmRetry: { baseDelayMs: 1, maxDelayMs: 2, maxElapsedMs: 20 } },
    );
    expect(down.mode).toBe('text');
    expect(down.notice).toMatch(/InferenceUnavailable/);
    expect(down.hits[0]?.communicationId).toBe(ids.plantedA);
  });

  it('keeps the term lookup an index condition under forced row-level security', async () => {
    const plan = await run(
      Effect.gen(function* () {
        const t = yield* TenantSql;
        return yield* t.withCustomer(
          A.id,
          Effect.andThen(
            t.sql`SELECT set_config('enable_seqscan', 'off', true)`,
            t.sql.unsafe<Record<string, string>>(
              `EXPLAIN SELECT chunk_id FROM chunk_terms t WHERE t.term = ANY (ARRAY(SELECT unnest(tsvector_to_array(to_tsvector('english', 'rhodium bond')))))`,
            ),
          ),
        );
      }),
    );
    const text = plan.map((row) => Object.values(row)[0]).join('\n');
    expect(text).toMatch(/Index Cond: .*term = ANY/);
  });
});

describe('AnswerService', () => {
  const ask = (customer: typeof A, question: string) =>
    run(
      Effect.gen(function* () {
        return yield* (yield* AnswerService).ask(customer, { actor: 'analyst@panops', question });
      }),
    );

  it('answers with a citation that points at the exact planted communication', async () => {
    const answer = await ask(A, 'What did Alice confirm about the Rhodium bond allocation?');
    expect(answer.citations[0]).toMatchObject({ communicationId: ids.plantedA, sender: 'alice@acme.example' });
    expect(answer.answer).toMatch(/\[1\]/);
    expect(answer.unresolvedMarkers).toEqual([]);
  });

  it('cites a call by its recording and transcript times', async () => {
    const answer = await ask(A, 'When does the zeppelin hedge unwind?');
    expect(answer.citations[0]).toMatchObject({ recordingId: ids.recordingA, startSeconds: 65, endSeconds: 80 });
  });

  it("never shows the model another customer's passages", async () => {
    await ask(A, 'How many millions is the Rhodium bond allocation for the third quarter, and is it secret?');
    const prompt = JSON.stringify(server.requests.find((r) => r.route === 'chat')?.body);
    expect(prompt).toContain('Sources:');
    expect(prompt).not.toContain('ninety nine million');
    expect(prompt).not.toContain('mallory');
  });

  it('audits the answer with every passage shown and the ones cited', async () => {
    const answer = await ask(A, 'Rhodium bond allocation for the third quarter?');
    const [latest] = await auditRows(A);
    expect(latest?.action).toBe('answer');
    expect(latest?.details.returned.map((r) => r.chunkId)).toEqual(answer.passages.map((p) => p.chunkId));
    expect(latest?.details.cited?.map((c) => c.communicationId)).toEqual(
      answer.citations.map((c) => c.communicationId),
    );
  });
});

describe('local search and ask commands', () => {
  const input = (text: string, url?: string) => ({
    customer: A,
    actor: 'local-user',
    text,
    endpoints: { url, embeddingDimensions: DIMENSIONS },
  });

  it('ask with no endpoint configured falls back to text search and says so', async () => {
    const output = await run(askCommand(input('Rhodium bond allocation')));
    expect(output).toMatch(/^note: no OpenAI-compatible endpoint configured/);
    expect(output).toMatch(/text search only/);
    expect(output).toContain(ids.plantedA);
    expect(server.requests).toHaveLength(0);
  });

  it('ask against an endpoint given by URL prints the answer and its sources', async () => {
    const output = await run(
      askCommand(input('What did Alice confirm about the Rhodium bond allocation?', server.url.replace(/\/v1$/, ''))),
    );
    expect(output).toMatch(/According to \[1\]/);
    expect(output).toMatch(new RegExp(`\\[1\\] gmail 2024-05-10 — communication ${ids.plantedA}`));
  });

  it('search against an endpoint runs hybrid and lists transcript hits with their times', async () => {
    const output = await run(searchCommand(input('zeppelin hedge', server.url)));
    expect(output).not.toMatch(/^note:/);
    expect(output).toMatch(/^1\. \[zoom call 2024-05-12 at 00:01:05-00:01:20 \(carol\)\]/);
  });
});
