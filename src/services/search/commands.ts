import { Effect, Redacted } from 'effect';
import { type CustomerRef, Indexer } from '../inference/indexer.js';
import { normalizeBaseUrl } from '../inference/openai-http.js';
import { defaultInferenceSettings, type InferenceSettings, InferenceSettingsRef } from '../inference/settings.js';
import { type Answer, AnswerService, clock } from './answer.js';
import { HybridSearch, type SearchFilters, type SearchHit, type SearchResult } from './hybrid-search.js';

/**
 * The `search` and `ask` commands of the local CLI, as effects that return
 * the text to print. They work against any OpenAI-compatible endpoint given
 * by URL (a local vLLM, llama.cpp, Ollama's /v1, a tunnel to the fleet);
 * with none configured, `search` is text-only and `ask` falls back to text
 * search, and both say so.
 */

/** Where the local run finds its models; everything optional. */
export interface LocalEndpoints {
  /** Base URL serving both chat and embeddings (`--llm-url`, `PANOPS_VLLM_URL`). */
  readonly url?: string | undefined;
  /** Embeddings on another server (`--embeddings-url`, `PANOPS_EMBEDDINGS_URL`). */
  readonly embeddingsUrl?: string | undefined;
  readonly apiKey?: Redacted.Redacted<string> | undefined;
  readonly chatModel?: string | undefined;
  readonly embeddingModel?: string | undefined;
  /** Must match the local database's `chunks.embedding` column. */
  readonly embeddingDimensions?: number | undefined;
}

/** Reads `PANOPS_VLLM_URL` (or the fleet's `PANOPS_VLLM_BASE_URL`), `PANOPS_EMBEDDINGS_URL`, `PANOPS_INFERENCE_API_KEY`, `PANOPS_CHAT_MODEL`, `PANOPS_EMBEDDING_MODEL`. */
export const localEndpointsFromEnv = (env: NodeJS.ProcessEnv = process.env): LocalEndpoints => ({
  url: env.PANOPS_VLLM_URL ?? env.PANOPS_VLLM_BASE_URL,
  embeddingsUrl: env.PANOPS_EMBEDDINGS_URL,
  apiKey: env.PANOPS_INFERENCE_API_KEY === undefined ? undefined : Redacted.make(env.PANOPS_INFERENCE_API_KEY),
  chatModel: env.PANOPS_CHAT_MODEL,
  embeddingModel: env.PANOPS_EMBEDDING_MODEL,
});

const configured = (e: LocalEndpoints) => ({
  chat: e.url ? normalizeBaseUrl(e.url) : undefined,
  embeddings: e.embeddingsUrl ? normalizeBaseUrl(e.embeddingsUrl) : e.url ? normalizeBaseUrl(e.url) : undefined,
});

/** Inference settings for a local run: the given endpoints, patience suited to a person waiting at a terminal. */
export const localInferenceSettings = (e: LocalEndpoints, base: InferenceSettings = defaultInferenceSettings) => {
  const urls = configured(e);
  return {
    ...base,
    chat: { baseUrl: urls.chat ?? base.chat.baseUrl, apiKey: e.apiKey },
    embeddings: { baseUrl: urls.embeddings ?? base.embeddings.baseUrl, apiKey: e.apiKey },
    chatModel: e.chatModel ?? base.chatModel,
    embeddingModel: e.embeddingModel ?? base.embeddingModel,
    embeddingDimensions: e.embeddingDimensions ?? base.embeddingDimensions,
    vllmRetry: { baseDelayMs: 250, maxDelayMs: 2_000, maxElapsedMs: 10_000 },
  } satisfies InferenceSettings;
};

const where = (hit: SearchHit) =>
  hit.sourceKind === 'transcript' && hit.startSeconds !== null
    ? `${hit.platform} ${hit.kind} ${hit.sentAt.slice(0, 10)} at ${clock(hit.startSeconds)}-${clock(hit.endSeconds ?? hit.startSeconds)}${hit.speaker ? ` (${hit.speaker})` : ''}`
    : `${hit.platform} ${hit.kind} ${hit.sentAt.slice(0, 10)}${hit.sender ? ` from ${hit.sender}` : ''}${hit.subject ? ` "${hit.subject}"` : ''}`;

const excerpt = (text: string) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 157)}...` : flat;
};

export const formatSearchResult = (result: SearchResult): string[] => [
  ...(result.notice ? [`note: ${result.notice}`] : []),
  ...(result.hits.length === 0 ? ['no matches'] : []),
  ...result.hits.map(
    (h, i) =>
      `${i + 1}. [${where(h)}] ${excerpt(h.content)}\n   communication ${h.communicationId}${h.recordingId ? `, recording ${h.recordingId}` : ''}`,
  ),
];

export const formatAnswer = (answer: Answer): string[] => [
  ...(answer.notice ? [`note: ${answer.notice}`] : []),
  answer.answer,
  '',
  ...(answer.citations.length === 0 ? ['(no citations)'] : ['Sources:']),
  ...answer.citations.map(
    (c) =>
      `[${c.marker}] ${c.platform} ${c.sentAt.slice(0, 10)}${c.recordingId && c.startSeconds !== null ? ` recording ${c.recordingId} at ${clock(c.startSeconds)}-${clock(c.endSeconds ?? c.startSeconds)}` : ''} — communication ${c.communicationId}`,
  ),
  ...(answer.unresolvedMarkers.length > 0
    ? [
        `warning: the answer cites sources that were not given: ${answer.unresolvedMarkers.map((n) => `[${n}]`).join(' ')}`,
      ]
    : []),
];

export interface CommandInput {
  readonly customer: CustomerRef;
  /** Who runs the command (the local user): goes into the audit log. */
  readonly actor: string;
  readonly text: string;
  readonly filters?: SearchFilters;
  readonly limit?: number;
  readonly endpoints: LocalEndpoints;
}

/** `search`: hybrid with an embeddings endpoint, text-only (and says so) without. */
export const searchCommand = (input: CommandInput) =>
  Effect.gen(function* () {
    const search = yield* HybridSearch;
    const result = yield* search.search(input.customer, {
      actor: input.actor,
      query: input.text,
      limit: input.limit ?? 10,
      textOnly: configured(input.endpoints).embeddings === undefined,
      ...(input.filters ? { filters: input.filters } : {}),
    });
    return formatSearchResult(result).join('\n');
  }).pipe(Effect.provideService(InferenceSettingsRef, localInferenceSettings(input.endpoints)));

/** `ask`: an answer with citations from the chat endpoint; without one, text search results and a note saying so. */
export const askCommand = (input: CommandInput) =>
  Effect.gen(function* () {
    if (configured(input.endpoints).chat === undefined) {
      const results = yield* searchCommand(input);
      return [
        'note: no OpenAI-compatible endpoint configured (--llm-url or PANOPS_VLLM_URL): no answer generated; text search results instead:',
        results,
      ].join('\n');
    }
    const answers = yield* AnswerService;
    const answer = yield* answers.ask(input.customer, {
      actor: input.actor,
      question: input.text,
      ...(input.filters ? { filters: input.filters } : {}),
    });
    return formatAnswer(answer).join('\n');
  }).pipe(Effect.provideService(InferenceSettingsRef, localInferenceSettings(input.endpoints)));

/**
 * `search`/`ask` as the local CLI runs them once an endpoint is configured:
 * index (chunk + embed) whatever was ingested since the last run, then search
 * or answer. `reembed` re-embeds every chunk not embedded with the configured
 * model (after a model change).
 */
export const indexPendingThen = <A, E, R>(input: CommandInput, command: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const indexer = yield* Indexer;
    yield* indexer
      .indexPending(input.customer)
      .pipe(Effect.provideService(InferenceSettingsRef, localInferenceSettings(input.endpoints)));
    return yield* command;
  });

export const reembedCommand = (input: Omit<CommandInput, 'text'>) =>
  Effect.gen(function* () {
    const indexer = yield* Indexer;
    const result = yield* indexer.reembed(input.customer);
    return `re-embedded ${result.chunks} chunks with ${result.model}`;
  }).pipe(Effect.provideService(InferenceSettingsRef, localInferenceSettings(input.endpoints)));

/** True when a URL for the models was given (flag or environment). */
export const hasEndpoint = (e: LocalEndpoints) => configured(e).embeddings !== undefined;
