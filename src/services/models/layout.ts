/**
 * Where models live in the shared compute model bucket: the contract between
 * `npx projen models:upload` and the GPU instances' boot (no dependencies, so
 * the stacks can import it).
 */
export const MODEL_KEY_PREFIX = 'models/';
/** sha256sum's format, paths relative to the model's folder; written last by the upload. */
export const MODEL_MANIFEST_FILE = 'SHA256SUMS';

/**
 * The models the GPU fleets serve, named as model hubs name them (the upload's
 * `--model`, the folder under `models/`, the name clients send).
 */
export const SERVED_MODELS = {
  whisperLargeV3: 'openai/whisper-large-v3',
  whisperMedium: 'openai/whisper-medium',
  chat: 'Qwen/Qwen2.5-7B-Instruct',
  embeddings: 'BAAI/bge-small-en-v1.5',
} as const;
