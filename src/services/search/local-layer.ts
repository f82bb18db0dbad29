import { Layer } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { Chat } from '../inference/chat.js';
import { type ChunkingOptions, defaultChunking } from '../inference/chunker.js';
import { Embeddings } from '../inference/embeddings.js';
import { Indexer } from '../inference/indexer.js';
import { AnswerService } from './answer.js';
import { HybridSearch } from './hybrid-search.js';

/**
 * Search, answers and indexing over the `TenantSql` already in context, with
 * HTTP clients for an OpenAI-compatible server: what the local CLI and the
 * workers add to their runtime for `search`, `ask`, `index` and `reembed`.
 */
export const searchServicesLayer = (chunking: ChunkingOptions = defaultChunking) => {
  const clients = Layer.mergeAll(Embeddings.layer, Chat.layer).pipe(Layer.provide(FetchHttpClient.layer));
  const search = HybridSearch.layer().pipe(Layer.provide(clients));
  return Layer.mergeAll(
    AnswerService.layer.pipe(Layer.provideMerge(search), Layer.provide(clients)),
    Indexer.layer(chunking).pipe(Layer.provide(clients)),
  );
};
