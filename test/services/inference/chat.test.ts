import { Effect, Layer } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Chat, type ChatRequest } from '../../../src/services/inference/chat.js';
import { normalizeBaseUrl, parseRetryAfterMs } from '../../../src/services/inference/openai-http.js';
import { InferenceSettingsRef } from '../../../src/services/inference/settings.js';
import { type FakeOpenAiServer, startFakeOpenAiServer } from './openai-server.js';
import { testInferenceSettings } from './settings.js';

let server: FakeOpenAiServer;
beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
  for (const queue of Object.values(server.faults)) queue.length = 0;
});

const complete = (request: Partial<ChatRequest> = {}, timeoutMs = 2_000) =>
  Effect.runPromise(
    Effect.gen(function* () {
      return yield* (yield* Chat).complete({
        endpoint: { baseUrl: server.url },
        model: 'Qwen/Qwen2.5-7B-Instruct',
        messages: [
          {
            role: 'user',
            content: 'Sources:\n[1] gmail\nthe bond desk closes early\n\nQuestion: when does the bond desk close?',
          },
        ],
        ...request,
      });
    }).pipe(
      Effect.provide(Chat.layer.pipe(Layer.provide(FetchHttpClient.layer))),
      Effect.provideService(
        InferenceSettingsRef,
        testInferenceSettings(server.url, { timeoutsMs: { whisper: 1_000, embeddings: 1_000, chat: timeoutMs } }),
      ),
      Effect.result,
    ),
  );

describe('Chat client', () => {
  it('sends the documented chat completion request and returns the message content', async () => {
    const result = await complete();
    expect(result._tag === 'Success' && result.success.content).toBe(
      'According to [1], gmail\nthe bond desk closes early',
    );
    expect(server.requests[0]?.body).toMatchObject({ temperature: 0, max_tokens: 512, messages: [{ role: 'user' }] });
  });

  it('waits at least as long as a 429 Retry-After asks before trying again', async () => {
    server.faults.chat.push({ kind: 'status', status: 429, retryAfter: '0.3' });
    const started = performance.now();
    const result = await complete();
    expect(result._tag).toBe('Success');
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(server.requests.map((r) => r.outcome)).toEqual(['fault 429', 'ok']);
  });

  it('times out a hung server and retries', async () => {
    server.faults.chat.push({ kind: 'delay', ms: 2_000 });
    const result = await complete({}, 200);
    expect(result._tag).toBe('Success');
    expect(server.requests.map((r) => r.outcome)).toEqual(['fault delay', 'ok']);
  });

  it('does not retry a request the server rejects as invalid', async () => {
    const result = await complete({ messages: [] });
    expect(result._tag === 'Failure' && result.failure).toMatchObject({ _tag: 'InferenceRejected', status: 400 });
    expect(server.requests).toHaveLength(1);
  });
});

describe('OpenAI-compatible HTTP helpers', () => {
  it('accepts a server URL with or without /v1', () => {
    expect(normalizeBaseUrl('http://gpu:8000')).toBe('http://gpu:8000/v1');
    expect(normalizeBaseUrl('http://gpu:8000/v1/')).toBe('http://gpu:8000/v1');
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfterMs('2')).toBe(2_000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfterMs('soon')).toBeUndefined();
    expect(parseRetryAfterMs(undefined)).toBeUndefined();
  });
});
