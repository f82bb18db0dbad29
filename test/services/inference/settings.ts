import { defaultInferenceSettings, type InferenceSettings } from '../../../src/services/inference/settings.js';

/** Settings pointing every endpoint at one fake server, with millisecond backoffs so tests never sleep for seconds. */
export const testInferenceSettings = (url: string, overrides: Partial<InferenceSettings> = {}): InferenceSettings => ({
  ...defaultInferenceSettings,
  whisper: { baseUrl: url },
  chat: { baseUrl: url },
  embeddings: { baseUrl: url },
  timeoutsMs: { whisper: 2_000, embeddings: 2_000, chat: 2_000 },
  whisperRetry: { baseDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 3_000 },
  vllmRetry: { baseDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 1_000 },
  ...overrides,
});
