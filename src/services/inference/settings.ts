import { Config, Context, Effect, Layer, Option } from 'effect';
import type { WhisperModel } from '../../config/schema.js';
import type { Endpoint, RetryPolicy } from './openai-http.js';

/**
 * Where the GPU fleets of the shared compute stack answer, which models they
 * serve, and how patiently we call them. Defaults fit the deployed fleets;
 * tests and local runs override them (`InferenceSettings` is a reference with a
 * default, `InferenceSettings.fromEnv` reads `PANOPS_*` variables).
 */
export interface InferenceSettings {
  /** Whisper fleet (g4dn/g5 spot behind an internal load balancer). @default http://whisper.panops.internal:8000/v1 */
  readonly whisper: Endpoint;
  /** vLLM chat model on g5. @default http://vllm.panops.internal:8000/v1 */
  readonly chat: Endpoint;
  /** vLLM embedding model (a second vLLM process started with `--task embed`). @default http://vllm.panops.internal:8001/v1 */
  readonly embeddings: Endpoint;
  /** Server-side model name for each blueprint Whisper model. @default large-v3 → openai/whisper-large-v3, medium → openai/whisper-medium */
  readonly whisperModels: Readonly<Record<WhisperModel, string>>;
  /** @default BAAI/bge-small-en-v1.5 */
  readonly embeddingModel: string;
  /** Must equal the `vector(N)` column of `chunks`. @default 384 */
  readonly embeddingDimensions: number;
  /** @default meta-llama/Llama-3.1-8B-Instruct (fits one A10G of a g5.xlarge) */
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
  whisper: { baseUrl: 'http://whisper.panops.internal:8000/v1' },
  chat: { baseUrl: 'http://vllm.panops.internal:8000/v1' },
  embeddings: { baseUrl: 'http://vllm.panops.internal:8001/v1' },
  whisperModels: { 'large-v3': 'openai/whisper-large-v3', medium: 'openai/whisper-medium' },
  embeddingModel: 'BAAI/bge-small-en-v1.5',
  embeddingDimensions: 384,
  chatModel: 'meta-llama/Llama-3.1-8B-Instruct',
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
    whisper: overrides.whisper ?? settings.whisper,
    whisperModel: settings.whisperModels[customer.whisperModel],
    embeddings: overrides.embeddings ?? settings.embeddings,
    embeddingModel: settings.embeddingModel,
    embeddingDimensions: settings.embeddingDimensions,
    chat: overrides.chat ?? settings.chat,
    chatModel: overrides.chatModel ?? settings.chatModel,
  };
};

const optional = (name: string) => Config.option(Config.String(name));

/**
 * Reads `PANOPS_WHISPER_URL`, `PANOPS_VLLM_URL` (chat), `PANOPS_EMBEDDINGS_URL`
 * (defaults to the chat URL when that is set), `PANOPS_INFERENCE_API_KEY`,
 * `PANOPS_CHAT_MODEL`, `PANOPS_EMBEDDING_MODEL`; unset ones keep the fleet defaults.
 */
export const inferenceSettingsFromEnv = Layer.effect(
  InferenceSettingsRef,
  Effect.gen(function* () {
    const env = yield* Config.all({
      whisper: optional('PANOPS_WHISPER_URL'),
      chat: optional('PANOPS_VLLM_URL'),
      embeddings: optional('PANOPS_EMBEDDINGS_URL'),
      apiKey: optional('PANOPS_INFERENCE_API_KEY'),
      chatModel: optional('PANOPS_CHAT_MODEL'),
      embeddingModel: optional('PANOPS_EMBEDDING_MODEL'),
    });
    const d = defaultInferenceSettings;
    const apiKey = Option.getOrUndefined(env.apiKey);
    const chatUrl = Option.getOrElse(env.chat, () => d.chat.baseUrl);
    const settings: InferenceSettings = {
      ...d,
      whisper: { baseUrl: Option.getOrElse(env.whisper, () => d.whisper.baseUrl), apiKey },
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
