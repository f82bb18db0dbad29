import { Context, Effect, Layer } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { TenantSqlError } from '../db/errors.js';
import { TenantSql } from '../db/tenant-sql.js';
import { Embeddings } from '../inference/embeddings.js';
import type { CustomerRef } from '../inference/indexer.js';
import { InferenceSettingsRef, inferenceFor } from '../inference/settings.js';
import { toVectorText } from '../inference/vector-text.js';
import { reciprocalRankFusion } from './rrf.js';

/**
 * Hybrid retrieval for one customer: nearest chunks by embedding and best
 * chunks by terms, fused by reciprocal rank, filtered by platform, date range
 * and participants. Everything that reads customer rows runs inside ONE
 * tenant transaction (`TenantSql.withCustomer`), which also writes the audit
 * row naming who asked what and which items came back: another customer's
 * rows are invisible to every statement, whatever the query says.
 *
 * Staying indexed under row-level security (TOOLCHAIN-NOTES.md):
 * - text: `@@` and the trigram operators are not leakproof, so under RLS
 *   their GIN index goes unused; candidates come from the `chunk_terms`
 *   B-tree (`term = ANY(...)` is leakproof), scored BM25-style by term rarity;
 * - vector: HNSW filters after the index scan, so in a pooled table a tenant's
 *   top-k can come back short. Small tenants and filtered queries use exact
 *   search through the tenant's B-tree (recall 1.0); large tenants use HNSW
 *   with `hnsw.iterative_scan = relaxed_order`, re-sorted by exact distance.
 */

export interface SearchFilters {
  /** Only these platforms (`gmail`, `slack`, `zoom`, ...). */
  readonly platforms?: ReadonlyArray<string>;
  /** Sent at or after (ISO-8601). */
  readonly from?: string;
  /** Sent before (ISO-8601). */
  readonly to?: string;
  /** Only communications one of these addresses sent, received or spoke in (case-insensitive). */
  readonly participants?: ReadonlyArray<string>;
}

export interface SearchRequest {
  /** Who is asking (user or service principal): goes into the audit log. */
  readonly actor: string;
  readonly query: string;
  readonly filters?: SearchFilters;
  /** @default 10 */
  readonly limit?: number;
  /** Skip the vector side (no embeddings endpoint configured). */
  readonly textOnly?: boolean;
}

export interface SearchHit {
  readonly chunkId: string;
  readonly communicationId: string;
  readonly recordingId: string | null;
  readonly sourceKind: 'communication' | 'transcript';
  readonly platform: string;
  readonly kind: string;
  readonly sentAt: string;
  readonly subject: string | null;
  readonly sender: string | null;
  readonly content: string;
  /** Transcript chunks: where in the recording. */
  readonly startSeconds: number | null;
  readonly endSeconds: number | null;
  readonly speaker: string | null;
  readonly score: number;
  /** 1-based rank in the vector and text lists (undefined where absent). */
  readonly vectorRank: number | undefined;
  readonly textRank: number | undefined;
}

export type VectorStrategy = 'exact' | 'hnsw' | 'none';

export interface SearchResult {
  readonly mode: 'hybrid' | 'text';
  readonly vectorStrategy: VectorStrategy;
  /** Why the search ran in a reduced mode, to show the user. */
  readonly notice: string | undefined;
  readonly hits: ReadonlyArray<SearchHit>;
}

export interface HybridSearchOptions {
  /** Tenants with at most this many embedded chunks get exact vector search. @default 20000 */
  readonly exactSearchMaxChunks: number;
  /** Candidates taken from each list before fusion. @default 50 */
  readonly candidates: number;
  /** HNSW candidate list size. @default 100 */
  readonly efSearch: number;
}

export const defaultHybridSearchOptions: HybridSearchOptions = {
  exactSearchMaxChunks: 20_000,
  candidates: 50,
  efSearch: 100,
};

/** What a retrieval returned, before the audit row is written. */
export interface Retrieval {
  readonly result: SearchResult;
  readonly auditDetails: Record<string, unknown>;
}

export type SearchError = TenantSqlError;

const hasFilters = (f: SearchFilters | undefined) =>
  !!f && ((f.platforms?.length ?? 0) > 0 || !!f.from || !!f.to || (f.participants?.length ?? 0) > 0);

/**
 * Filter conditions on the chunk's communication, as one fragment (`TRUE`
 * without filters, so an unfiltered search pays nothing per row). Lists are
 * passed as JSON text and unpacked in SQL.
 */
const filterClause = (sql: SqlClient.SqlClient, f: SearchFilters | undefined) => {
  if (!hasFilters(f)) return sql.literal('TRUE');
  const conditions = [];
  if (f?.platforms?.length) {
    conditions.push(sql`m.platform IN (SELECT jsonb_array_elements_text(${JSON.stringify(f.platforms)}::jsonb))`);
  }
  if (f?.from) conditions.push(sql`m.sent_at >= ${f.from}::timestamptz`);
  if (f?.to) conditions.push(sql`m.sent_at < ${f.to}::timestamptz`);
  if (f?.participants?.length) {
    const people = JSON.stringify(f.participants.map((p) => p.toLowerCase()));
    conditions.push(sql`(lower(m.sender) IN (SELECT jsonb_array_elements_text(${people}::jsonb))
      OR EXISTS (
        SELECT 1 FROM participants p
        WHERE p.customer_id = m.customer_id AND p.communication_id = m.id
          AND lower(p.address) IN (SELECT jsonb_array_elements_text(${people}::jsonb))))`);
  }
  return sql`EXISTS (
    SELECT 1 FROM communications m
    WHERE m.customer_id = c.customer_id AND m.id = c.communication_id AND ${sql.and(conditions)})`;
};

/**
 * Term candidates from the `chunk_terms` B-tree, scored by the rarity of the
 * matched terms: each matched term adds ln(1 + M / df), where df is how many
 * of the tenant's chunks hold it and M the largest df among the query's terms
 * (an idf that needs no count of the tenant's chunks).
 */
const textCandidates = (sql: SqlClient.SqlClient, request: SearchRequest, limit: number) =>
  sql<{ id: string }>`
    WITH terms AS (
      SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', ${request.query}))) AS term
    ), postings AS (
      SELECT t.customer_id, t.chunk_id, t.term FROM chunk_terms t
      WHERE t.term = ANY (ARRAY(SELECT term FROM terms))
    ), df AS (
      SELECT term, count(*)::float8 AS n FROM postings GROUP BY term
    ), scored AS (
      SELECT p.customer_id, p.chunk_id, sum(ln(1 + (SELECT max(n) FROM df) / df.n)) AS score
      FROM postings p JOIN df USING (term)
      GROUP BY p.customer_id, p.chunk_id
    )
    SELECT c.id FROM scored s
    JOIN chunks c ON c.customer_id = s.customer_id AND c.id = s.chunk_id
    WHERE ${filterClause(sql, request.filters)}
    ORDER BY s.score DESC, c.id
    LIMIT ${limit}`.pipe(Effect.map((rows) => rows.map((r) => r.id)));

const detailsOf = (sql: SqlClient.SqlClient, ids: ReadonlyArray<string>) =>
  ids.length === 0
    ? Effect.succeed([])
    : sql<{
        id: string;
        communication_id: string;
        recording_id: string | null;
        source_kind: 'communication' | 'transcript';
        content: string;
        start_seconds: string | null;
        end_seconds: string | null;
        speaker: string | null;
        platform: string;
        kind: string;
        sent_at: Date | string;
        subject: string | null;
        sender: string | null;
      }>`
        SELECT c.id, c.communication_id, c.recording_id, c.source_kind, c.content, c.start_seconds, c.end_seconds,
               c.speaker, m.platform, m.kind, m.sent_at, m.subject, m.sender
        FROM chunks c JOIN communications m ON m.customer_id = c.customer_id AND m.id = c.communication_id
        WHERE c.id IN (SELECT jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb)::uuid)`;

/**
 * Session settings (transaction-local) for an HNSW search under RLS:
 * iterative scan, so the tenant filter applied after the index cannot leave
 * the top-k short; and `enable_sort = off`, because without fresh statistics
 * (PGlite has no autovacuum; a freshly loaded tenant) the planner prefers the
 * tenant B-tree plus a sort, i.e. an exact scan, over the HNSW index order.
 */
export const useHnsw = (sql: SqlClient.SqlClient, efSearch: number) =>
  sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
             set_config('hnsw.ef_search', ${String(efSearch)}, true),
             set_config('enable_sort', 'off', true)`.pipe(Effect.asVoid);

/**
 * Nearest chunks through the HNSW index (after `useHnsw`). relaxed_order may
 * return neighbours slightly out of order: the materialized set is re-sorted
 * by exact distance.
 */
export const hnswNearest = (sql: SqlClient.SqlClient, vectorText: string, model: string, limit: number) =>
  sql<{ id: string }>`
    WITH nearest AS MATERIALIZED (
      SELECT c.id, c.embedding <=> ${vectorText}::vector AS distance FROM chunks c
      WHERE c.embedding_model = ${model}
      ORDER BY c.embedding <=> ${vectorText}::vector
      LIMIT ${limit}
    )
    SELECT id FROM nearest ORDER BY distance, id`;

/** The audit row: who asked what, with which filters, and exactly which items came back. */
export const writeAudit = (
  sql: SqlClient.SqlClient,
  customerId: string,
  actor: string,
  action: 'search' | 'answer',
  query: string,
  details: Record<string, unknown>,
) =>
  sql`
    INSERT INTO audit_log (customer_id, actor, action, target_kind, query, details)
    VALUES (${customerId}, ${actor}, ${action}, 'chunks', ${query}, ${JSON.stringify(details)}::jsonb)`.pipe(
    Effect.asVoid,
  );

export const auditItems = (hits: ReadonlyArray<SearchHit>) =>
  hits.map((h) => ({
    chunkId: h.chunkId,
    communicationId: h.communicationId,
    ...(h.recordingId ? { recordingId: h.recordingId, startSeconds: h.startSeconds, endSeconds: h.endSeconds } : {}),
  }));

export class HybridSearch extends Context.Service<
  HybridSearch,
  {
    /** Retrieves and writes a `search` audit row, in one tenant transaction. */
    search(customer: CustomerRef, request: SearchRequest): Effect.Effect<SearchResult, SearchError>;
    /**
     * Retrieves without writing the audit row: for services built on
     * retrieval, which must write their own (the answer service writes an
     * `answer` row once the model has answered).
     */
    retrieve(customer: CustomerRef, request: SearchRequest): Effect.Effect<Retrieval, SearchError>;
  }
>()('panops/search/HybridSearch') {
  static readonly layer = (options: HybridSearchOptions = defaultHybridSearchOptions) =>
    Layer.effect(
      HybridSearch,
      Effect.gen(function* () {
        const db = yield* TenantSql;
        const embeddings = yield* Embeddings;
        const sql = db.sql;

        /** Embeds the question outside any transaction; on failure the search goes on with text only and says why. */
        const queryVector = (customer: CustomerRef, request: SearchRequest) =>
          Effect.gen(function* () {
            const config = inferenceFor(yield* InferenceSettingsRef, customer);
            if (request.textOnly) {
              return {
                vector: undefined,
                model: config.embeddingModel,
                notice: 'no embeddings endpoint configured: text search only',
              };
            }
            return yield* embeddings
              .embed([request.query], {
                endpoint: config.embeddings,
                model: config.embeddingModel,
                dimensions: config.embeddingDimensions,
              })
              .pipe(
                Effect.map((vectors) => ({ vector: vectors[0], model: config.embeddingModel, notice: undefined })),
                Effect.catch((error) =>
                  Effect.succeed({
                    vector: undefined,
                    model: config.embeddingModel,
                    notice: `embeddings unavailable (${error._tag}): text search only`,
                  }),
                ),
              );
          });

        const vectorCandidates = (
          request: SearchRequest,
          vector: ReadonlyArray<number>,
          model: string,
          embedded: number,
          limit: number,
        ) =>
          Effect.gen(function* () {
            const q = toVectorText(vector);
            if (embedded <= options.exactSearchMaxChunks || hasFilters(request.filters)) {
              // "+ 0": an ordering the HNSW index cannot serve, so this is an exact scan of the tenant's rows.
              const rows = yield* sql<{ id: string }>`
                SELECT c.id FROM chunks c
                WHERE c.embedding IS NOT NULL AND c.embedding_model = ${model}
                  AND ${filterClause(sql, request.filters)}
                ORDER BY (c.embedding <=> ${q}::vector) + 0, c.id
                LIMIT ${limit}`;
              return { strategy: 'exact' as const, ids: rows.map((r) => r.id) };
            }
            yield* useHnsw(sql, options.efSearch);
            const rows = yield* hnswNearest(sql, q, model, limit);
            // Back to normal planning for the rest of the transaction.
            yield* sql`SELECT set_config('enable_sort', 'on', true)`;
            return { strategy: 'hnsw' as const, ids: rows.map((r) => r.id) };
          });

        const retrieveInTransaction = (
          request: SearchRequest,
          query: { vector: ReadonlyArray<number> | undefined; model: string; notice: string | undefined },
        ) =>
          Effect.gen(function* () {
            const limit = Math.max(1, Math.min(request.limit ?? 10, 100));
            const candidates = Math.max(options.candidates, limit);
            // Bounded count (stops one past the threshold, through the tenant's embedded-chunks index):
            // enough to choose the vector strategy without counting a large tenant's rows on every search.
            const [counts] = yield* sql<{ embedded: number }>`
              SELECT count(*)::int AS embedded FROM (
                SELECT 1 FROM chunks WHERE embedding IS NOT NULL AND embedding_model = ${query.model}
                LIMIT ${options.exactSearchMaxChunks + 1}) AS bounded`;
            const embedded = counts?.embedded ?? 0;
            const text = yield* textCandidates(sql, request, candidates);
            const vector = query.vector
              ? yield* vectorCandidates(request, query.vector, query.model, embedded, candidates)
              : { strategy: 'none' as const, ids: [] as string[] };
            const fused = reciprocalRankFusion([vector.ids, text]).slice(0, limit);
            const rows = new Map(
              (yield* detailsOf(
                sql,
                fused.map((f) => f.id),
              )).map((r) => [r.id, r]),
            );
            const hits: SearchHit[] = fused.flatMap((f) => {
              const r = rows.get(f.id);
              if (!r) return [];
              return [
                {
                  chunkId: r.id,
                  communicationId: r.communication_id,
                  recordingId: r.recording_id,
                  sourceKind: r.source_kind,
                  platform: r.platform,
                  kind: r.kind,
                  sentAt: new Date(r.sent_at).toISOString(),
                  subject: r.subject,
                  sender: r.sender,
                  content: r.content,
                  startSeconds: r.start_seconds === null ? null : Number(r.start_seconds),
                  endSeconds: r.end_seconds === null ? null : Number(r.end_seconds),
                  speaker: r.speaker,
                  score: f.score,
                  vectorRank: f.ranks[0],
                  textRank: f.ranks[1],
                },
              ];
            });
            const result: SearchResult = {
              mode: query.vector ? 'hybrid' : 'text',
              vectorStrategy: vector.strategy,
              notice: query.notice,
              hits,
            };
            const auditDetails = {
              filters: request.filters ?? {},
              mode: result.mode,
              vectorStrategy: vector.strategy,
              embeddingModel: query.vector ? query.model : null,
              returned: auditItems(hits),
            };
            return { result, auditDetails };
          });

        const retrieve = Effect.fn('HybridSearch.retrieve')(function* (customer: CustomerRef, request: SearchRequest) {
          const query = yield* queryVector(customer, request);
          return yield* db.withCustomer(customer.id, retrieveInTransaction(request, query));
        });

        const search = Effect.fn('HybridSearch.search')(function* (customer: CustomerRef, request: SearchRequest) {
          const query = yield* queryVector(customer, request);
          return yield* db.withCustomer(
            customer.id,
            Effect.gen(function* () {
              const { result, auditDetails } = yield* retrieveInTransaction(request, query);
              yield* writeAudit(sql, customer.id, request.actor, 'search', request.query, auditDetails);
              return result;
            }),
          );
        });

        return HybridSearch.of({ search, retrieve });
      }),
    );
}
