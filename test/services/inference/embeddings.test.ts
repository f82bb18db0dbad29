import { Effect, Layer, Redacted } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Embeddings, type EmbeddingTarget } from '../../../src/services/inference/embeddings.js';
import { InferenceSettingsRef } from '../../../src/services/inference/settings.js';
import { bagOfWordsEmbedding, type FakeOpenAiServer, startFakeOpenAiServer } from './openai-server.js';
import { testInferenceSettings } from './settings.js';

let server: FakeOpenAiServer;
let target: EmbeddingTarget;

beforeAll(async () => {
  server = await startFakeOpenAiServer({ maxEmbeddingBatch: 8, dimensions: 64 });
  target = {
    endpoint: { baseUrl: server.url, apiKey: Redacted.make('sekret') },
    model: 'BAAI/bge-small-en-v1.5',
    dimensions: 64,
  };
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  for (const queue of Object.values(server.faults)) queue.length = 0;
});

const run = <A, E>(effect: Effect.Effect<A, E, Embeddings>, batchSize = 5) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provide(Embeddings.layer.pipe(Layer.provide(FetchHttpClient.layer))),
      Effect.provideService(InferenceSettingsRef, testInferenceSettings(server.url, { embeddingBatchSize: batchSize })),
      Effect.result,
    ),
  );

const embed = (texts: string[], t: EmbeddingTarget = target) =>
  Effect.gen(function* () {
    return yield* (yield* Embeddings).embed(texts, t);
  });

describe('Embeddings client', () => {
  it('splits inputs into batches the server accepts and returns vectors in input order', async () => {
    const texts = Array.from({ length: 12 }, (_, i) => `message number ${i} about topic${i}`);
    const result = await run(embed(texts));
    expect(result._tag).toBe('Success');
    if (result._tag !== 'Success') return;
    expect(result.success).toEqual(texts.map((t) => bagOfWordsEmbedding(t, 64)));
    const sizes = server.requests.map((r) => (r.body.input as string[]).length);
    expect(sizes).toEqual([5, 5, 2]);
    expect(server.requests.every((r) => r.authorization === 'Bearer sekret')).toBe(true);
  });

  it('retries a batch that met a 503 or a dropped connection and then succeeds', async () => {
    server.faults.embeddings.push({ kind: 'status', status: 503 }, { kind: 'drop' });
    const result = await run(embed(['one', 'two']));
    expect(result._tag).toBe('Success');
    expect(server.requests.map((r) => r.outcome)).toEqual(['fault 503', 'fault drop', 'ok']);
  });

  it('fails with InferenceRejected naming the model when the server does not serve it, without retrying', async () => {
    const result = await run(embed(['x'], { ...target, model: 'no-such-model' }));
    expect(result._tag).toBe('Failure');
    if (result._tag !== 'Failure') return;
    expect(result.failure).toMatchObject({ _tag: 'InferenceRejected', status: 404 });
    expect(result.failure._tag === 'InferenceRejected' && result.failure.detail).toContain('no-such-model');
    expect(server.requests).toHaveLength(1);
  });

  it('refuses vectors whose dimension differs from the index instead of storing them', async () => {
    const result = await run(embed(['x'], { ...target, dimensions: 384 }));
    expect(result._tag === 'Failure' && result.failure._tag).toBe('InferenceResponseInvalid');
  });

  it('gives up on a server that keeps answering 503 once the retry window is spent', async () => {
    for (let i = 0; i < 500; i++) server.faults.embeddings.push({ kind: 'status', status: 503 });
    const result = await run(embed(['x']));
    expect(result._tag === 'Failure' && result.failure._tag).toBe('InferenceUnavailable');
    expect(server.requests.length).toBeGreaterThan(3);
  });
});
