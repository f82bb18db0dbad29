import { ConfigProvider, Effect, Layer, Redacted } from 'effect';
import { describe, expect, it } from 'vitest';
import {
  defaultInferenceSettings,
  InferenceSettingsRef,
  inferenceFor,
  inferenceSettingsFromEnv,
} from '../../../src/services/inference/settings.js';

const fromEnv = (env: Record<string, string>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      return yield* InferenceSettingsRef;
    }).pipe(
      Effect.provide(
        inferenceSettingsFromEnv.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))),
      ),
    ),
  );

describe('inference settings', () => {
  it('takes the Whisper model from the customer and the rest from the fleet defaults', () => {
    const medium = inferenceFor(defaultInferenceSettings, { id: 'c1', whisperModel: 'medium' });
    expect(medium.whisperModel).toBe('openai/whisper-medium');
    expect(medium.chatModel).toBe('Qwen/Qwen2.5-7B-Instruct');
    const large = inferenceFor(
      {
        ...defaultInferenceSettings,
        customers: { c2: { chatModel: 'private-model', chat: { baseUrl: 'http://own/v1' } } },
      },
      { id: 'c2', whisperModel: 'large-v3' },
    );
    expect(large).toMatchObject({
      whisperModel: 'openai/whisper-large-v3',
      chatModel: 'private-model',
      chat: { baseUrl: 'http://own/v1' },
    });
  });

  it("reads the shared compute stack's endpoint variables, with embeddings defaulting to the vLLM URL", async () => {
    const settings = await fromEnv({
      PANOPS_WHISPER_BASE_URL: 'http://127.0.0.1:9000/v1',
      PANOPS_VLLM_BASE_URL: 'http://nlb.internal/v1',
      PANOPS_INFERENCE_API_KEY: 'k',
    });
    expect(settings.whisper.baseUrl).toBe('http://127.0.0.1:9000/v1');
    // The key is redacted: it prints as <redacted> and is read only where the request is signed.
    expect(String(settings.whisper.apiKey)).toBe('<redacted>');
    expect(settings.whisper.apiKey && Redacted.value(settings.whisper.apiKey)).toBe('k');
    expect(settings.chat.baseUrl).toBe('http://nlb.internal/v1');
    expect(settings.embeddings.baseUrl).toBe('http://nlb.internal/v1');
  });

  it('keeps the defaults when nothing is set and accepts the short local names', async () => {
    expect((await fromEnv({})).whisper.baseUrl).toBe(defaultInferenceSettings.whisper.baseUrl);
    const local = await fromEnv({
      PANOPS_VLLM_URL: 'http://localhost:8000/v1',
      PANOPS_EMBEDDINGS_URL: 'http://localhost:8001/v1',
    });
    expect(local.chat.baseUrl).toBe('http://localhost:8000/v1');
    expect(local.embeddings.baseUrl).toBe('http://localhost:8001/v1');
  });

  it('sends each customer to the Whisper server of its model when the fleet runs one per model', async () => {
    const settings = await fromEnv({
      PANOPS_WHISPER_BASE_URL: 'http://127.0.0.1:8000/v1',
      PANOPS_WHISPER_BASE_URLS: JSON.stringify({
        'large-v3': 'http://127.0.0.1:8000/v1',
        medium: 'http://127.0.0.1:8001/v1',
      }),
    });
    expect(inferenceFor(settings, { id: 'c1', whisperModel: 'medium' }).whisper.baseUrl).toBe(
      'http://127.0.0.1:8001/v1',
    );
    expect(inferenceFor(settings, { id: 'c2', whisperModel: 'large-v3' }).whisper.baseUrl).toBe(
      'http://127.0.0.1:8000/v1',
    );
  });

  it('refuses a malformed PANOPS_WHISPER_BASE_URLS, naming it', async () => {
    await expect(fromEnv({ PANOPS_WHISPER_BASE_URLS: '{"tiny":"http://x"}' })).rejects.toThrow(
      /PANOPS_WHISPER_BASE_URLS/,
    );
  });
});
