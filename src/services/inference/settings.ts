import { Config, Context, Effect, Layer, Option, Schema } from 'effect';
import type { WhisperModel } from '../../config/schema.js';
import { RUNTIME_ENV } from '../../contracts/runtime-env.js';
import type { Endpoint, RetryPolicy } from './openai-http.js';

/**
 * Where the GPU fleets of the shared compute stack answer, which models they
 * serve, and how patiently we call them. Defaults fit the deployed fleets;
 * tests and local runs override them (`InferenceSettings` is a reference with a
 * default, `InferenceSettings.fromEnv` reads `PANOPS_*` variables).
 */
export interface InferenceSettings {
  /** Whisper server beside the worker on each GPU spot instance (shared compute's `PANOPS_WHISPER_BASE_URL`). @default http://127.0.0.1:8000/v1 */
  readonly whisper: Endpoint;
  /**
   * A Whisper server per blueprint model, where the fleet runs one per model
   * (shared compute's `PANOPS_WHISPER_BASE_URLS`, JSON `{ "<model>": "<url>" }`);
   * a model without one is sent to `whisper`. @default none
   */
  readonly whisperEndpoints: Readonly<Partial<Record<WhisperModel, Endpoint>>>;
  /** vLLM on g5 behind the internal load balancer (shared compute's `PANOPS_VLLM_BASE_URL`). @default http://vllm.panops.internal/v1 */
  readonly chat: Endpoint;
  /** vLLM serving the embedding model (`--task embed`); `PANOPS_EMBEDDINGS_URL`, else the chat URL. @default the chat URL */
  readonly embeddings: Endpoint;
  /** Server-side model name for each blueprint Whisper model. @default large-v3 → openai/whisper-large-v3, medium → openai/whisper-medium */
  readonly whisperModels: Readonly<Record<WhisperModel, string>>;
  /** @default BAAI/bge-small-en-v1.5 */
  readonly embeddingModel: string;
  /** Must equal the `vector(N)` column of `chunks`. @default 384 */
  readonly embeddingDimensions: number;
  /** The shared compute stack's vLLM model (DEFAULT_VLLM_MODEL there). @default Qwen/Qwen2.5-7B-Instruct */
  readonly chatModel: string;
  /** Inputs per embeddings request (vLLM accepts more; smaller batches keep latency even). @default 64 */
  readonly embeddingBatchSize: number;
  /** Per-request timeouts. A 10-minute piece on large-v3 takes ~1 minute on a g4dn. */
  readonly timeoutsMs: { readonly whisper: number; readonly embeddings: number; readonly chat: number };
  /** Whisper: tolerate a fleet scaling from zero (spot launch + model load) for up to 15 minutes. */
  readonly whisperRetry: RetryPolicy;
  /** vLLM (always on): shorter patience. */
  readonly vllmRetry: RetryPolicy;
  /** Per-customer overrides, by customer id. */
  readonly customers: Readonly<Record<string, CustomerInferenceOverrides>>;
}

/** What one customer may change: its chat model, or its own endpoints (a dedicated GPU fleet). */
export interface CustomerInferenceOverrides {
  readonly chatModel?: string;
  readonly chat?: Endpoint;
  readonly whisper?: Endpoint;
  readonly embeddings?: Endpoint;
}

export const defaultInferenceSettings: InferenceSettings = {
  whisper: { baseUrl: 'http://127.0.0.1:8000/v1' },
  whisperEndpoints: {},
  chat: { baseUrl: 'http://vllm.panops.internal/v1' },
  embeddings: { baseUrl: 'http://vllm.panops.internal/v1' },
  whisperModels: { 'large-v3': 'openai/whisper-large-v3', medium: 'openai/whisper-medium' },
  embeddingModel: 'BAAI/bge-small-en-v1.5',
  embeddingDimensions: 384,
  chatModel: 'Qwen/Qwen2.5-7B-Instruct',
  embeddingBatchSize: 64,
  timeoutsMs: { whisper: 300_000, embeddings: 60_000, chat: 120_000 },
  whisperRetry: { baseDelayMs: 2_000, maxDelayMs: 30_000, maxElapsedMs: 15 * 60_000 },
  vllmRetry: { baseDelayMs: 500, maxDelayMs: 10_000, maxElapsedMs: 2 * 60_000 },
  customers: {},
};

export const InferenceSettingsRef = Context.Reference<InferenceSettings>('panops/inference/InferenceSettings', {
  defaultValue: () => defaultInferenceSettings,
});

/** The models and endpoints in force for one customer. */
export interface CustomerInference {
  readonly whisper: Endpoint;
  readonly whisperModel: string;
  readonly embeddings: Endpoint;
  readonly embeddingModel: string;
  readonly embeddingDimensions: number;
  readonly chat: Endpoint;
  readonly chatModel: string;
}

export const inferenceFor = (
  settings: InferenceSettings,
  customer: { readonly id: string; readonly whisperModel: WhisperModel },
): CustomerInference => {
  const overrides = settings.customers[customer.id] ?? {};
  return {
    whisper: overrides.whisper ?? settings.whisperEndpoints[customer.whisperModel] ?? settings.whisper,
    whisperModel: settings.whisperModels[customer.whisperModel],
    embeddings: overrides.embeddings ?? settings.embeddings,
    embeddingModel: settings.embeddingModel,
    embeddingDimensions: settings.embeddingDimensions,
    chat: overrides.chat ?? settings.chat,
    chatModel: overrides.chatModel ?? settings.chatModel,
  };
};

const optional = (name: string) => Config.option(Config.String(name));
/** The first of two variables that is set. */
const either = (first: string, second: string) =>
  Config.map(Config.all([optional(first), optional(second)]), ([a, b]) => Option.orElse(a, () => b));

const WhisperBaseUrls = Schema.fromJsonString(
  Schema.Record(Schema.Literals(['large-v3', 'medium']), Schema.String.check(Schema.isMinLength(1))),
);

/** `PANOPS_WHISPER_BASE_URLS` (JSON, model → base URL); a malformed value fails with a ConfigError naming the variable. */
const whisperBaseUrls = Config.option(Config.schema(WhisperBaseUrls, RUNTIME_ENV.whisperBaseUrls));

/**
 * Reads the shared compute stack's contract (`PANOPS_WHISPER_BASE_URL`,
 * `PANOPS_VLLM_BASE_URL`, see src/contracts/runtime-env.ts), or the short
 * local names `PANOPS_WHISPER_URL` / `PANOPS_VLLM_URL`, plus
 * `PANOPS_WHISPER_BASE_URLS` (one Whisper server per model), `PANOPS_EMBEDDINGS_URL` (defaults to the chat URL), `PANOPS_INFERENCE_API_KEY`,
 * `PANOPS_CHAT_MODEL`, `PANOPS_EMBEDDING_MODEL`; unset ones keep the defaults.
 */
export const inferenceSettingsFromEnv = Layer.effect(
  InferenceSettingsRef,
  Effect.gen(function* () {
    const env = yield* Config.all({
      whisper: either(RUNTIME_ENV.whisperBaseUrl, 'PANOPS_WHISPER_URL'),
      whisperByModel: whisperBaseUrls,
      chat: either(RUNTIME_ENV.vllmBaseUrl, 'PANOPS_VLLM_URL'),
      embeddings: optional(RUNTIME_ENV.embeddingsUrl),
      apiKey: Config.option(Config.Redacted('PANOPS_INFERENCE_API_KEY')),
      chatModel: optional(RUNTIME_ENV.chatModel),
      embeddingModel: optional(RUNTIME_ENV.embeddingModel),
    });
    const d = defaultInferenceSettings;
    const apiKey = Option.getOrUndefined(env.apiKey);
    const chatUrl = Option.getOrElse(env.chat, () => d.chat.baseUrl);
    const settings: InferenceSettings = {
      ...d,
      whisper: { baseUrl: Option.getOrElse(env.whisper, () => d.whisper.baseUrl), apiKey },
      whisperEndpoints: Object.fromEntries(
        Object.entries(Option.getOrElse(env.whisperByModel, () => ({}))).map(([model, baseUrl]) => [
          model,
          { baseUrl, apiKey },
        ]),
      ),
      chat: { baseUrl: chatUrl, apiKey },
      embeddings: {
        baseUrl: Option.getOrElse(env.embeddings, () => (Option.isSome(env.chat) ? chatUrl : d.embeddings.baseUrl)),
        apiKey,
      },
      chatModel: Option.getOrElse(env.chatModel, () => d.chatModel),
      embeddingModel: Option.getOrElse(env.embeddingModel, () => d.embeddingModel),
    };
    return settings;
  }),
);
