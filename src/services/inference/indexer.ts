import { Context, Effect, Layer, Option, Schema, Stream } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';
import type { WhisperModel } from '../../config/schema.js';
import type { TenantSqlError } from '../db/errors.js';
import { TenantSql } from '../db/tenant-sql.js';
import {
  type ChunkDraft,
  type ChunkingOptions,
  chunkCommunication,
  chunkTranscript,
  defaultChunking,
} from './chunker.js';
import { Embeddings } from './embeddings.js';
import type { InferenceCallError } from './errors.js';
import { type CustomerInference, InferenceSettingsRef, inferenceFor } from './settings.js';
import { toVectorText } from './vector-text.js';

/** Communications read, chunked and written per transaction pair by `indexPending`. */
const PENDING_BATCH = 250;

/** Batches `indexPending` writes at once, each in its own transaction (one per core of the 2-core target). */
const WRITERS = 2;

/** Where `indexPending` goes on: the last communication of the batch read before, in (sent_at, id) order. */
interface PendingCursor {
  readonly sentAt: string;
  readonly id: string;
}

/** The customer a call works for: its id and what the blueprint says about its models. */
export interface CustomerRef {
  readonly id: string;
  readonly whisperModel: WhisperModel;
}

/** The configured embedding dimension differs from the database column: a new model needs a new column first. */
export class EmbeddingDimensionMismatch extends Schema.TaggedError<EmbeddingDimensionMismatch>()(
  'EmbeddingDimensionMismatch',
  {
    model: Schema.String,
    configured: Schema.Number,
    column: Schema.Number,
  },
) {
  override get message() {
    return `embedding model ${this.model} gives ${this.configured} dimensions but chunks.embedding is vector(${this.column}); add a migration for the new dimension before re-embedding`;
  }
}

export type IndexError = InferenceCallError | TenantSqlError | EmbeddingDimensionMismatch;

export interface IndexResult {
  readonly chunks: number;
  /** True when the source was already indexed and nothing was written. */
  readonly alreadyIndexed: boolean;
}

interface Source {
  readonly communicationId: string;
  readonly recordingId: string | null;
  readonly drafts: ReadonlyArray<ChunkDraft>;
}

/**
 * Turns stored communications and transcripts into embedded chunks, and
 * re-embeds chunks when the embedding model changes. Reads and writes go
 * through the tenant-scoped service; the embedding calls happen between two
 * short transactions, never inside one. Idempotent: a source that already has
 * chunks is left alone, and inserts ignore a chunk that a concurrent run wrote.
 */
export class Indexer extends Context.Service<
  Indexer,
  {
    indexCommunication(customer: CustomerRef, communicationId: string): Effect.Effect<IndexResult, IndexError>;
    /** Chunks the transcript of `recordingId` made with the customer's Whisper model. */
    indexRecording(customer: CustomerRef, recordingId: string): Effect.Effect<IndexResult, IndexError>;
    /** Indexes every communication and finished transcript that has no chunks yet (after an import, locally). */
    indexPending(
      customer: CustomerRef,
    ): Effect.Effect<{ readonly sources: number; readonly chunks: number }, IndexError>;
    /** Re-embeds, in batches, every chunk not embedded with the current model. */
    reembed(customer: CustomerRef): Effect.Effect<{ readonly chunks: number; readonly model: string }, IndexError>;
  }
>()('panops/inference/Indexer') {
  static readonly layer = (chunking: ChunkingOptions = defaultChunking) =>
    Layer.effect(
      Indexer,
      Effect.gen(function* () {
        const db = yield* TenantSql;
        const embeddings = yield* Embeddings;
        const sql = db.sql;

        const models = (customer: CustomerRef) =>
          Effect.gen(function* () {
            return inferenceFor(yield* InferenceSettingsRef, customer);
          });

        const embedDrafts = (config: CustomerInference, drafts: ReadonlyArray<ChunkDraft>) =>
          embeddings.embed(
            drafts.map((d) => d.content),
            { endpoint: config.embeddings, model: config.embeddingModel, dimensions: config.embeddingDimensions },
          );

        const hasChunks = (communicationId: string, recordingId: string | null) =>
          sql<{ n: number }>`
            SELECT count(*)::int AS n FROM chunks
            WHERE communication_id = ${communicationId} AND recording_id IS NOT DISTINCT FROM ${recordingId}::uuid`.pipe(
            Effect.map((rows) => (rows[0]?.n ?? 0) > 0),
          );

        /**
         * Whether chunks carry an embedding column (pgvector present). Without it (the distribution
         * PostgreSQL 15) chunks are stored for term search only and nothing is embedded.
         */
        let embeddingColumn: boolean | undefined;
        const hasEmbeddingColumn = Effect.suspend(() =>
          // Asked once, inside the first tenant transaction (the catalog is not tenant data).
          embeddingColumn === undefined
            ? sql<{ n: number }>`
                SELECT count(*)::int AS n FROM pg_attribute
                WHERE attrelid = 'chunks'::regclass AND attname = 'embedding' AND NOT attisdropped`.pipe(
                Effect.map((rows) => {
                  embeddingColumn = (rows[0]?.n ?? 0) > 0;
                  return embeddingColumn;
                }),
              )
            : Effect.succeed(embeddingColumn),
        );

        /**
         * The chunks of many sources in ONE multi-row insert (jsonb_to_recordset: one parameter whatever
         * the batch size; COPY is refused under RLS). `chunk_terms` follow by the database's trigger.
         */
        const insertChunks = (
          client: SqlClient.SqlClient,
          customerId: string,
          config: CustomerInference,
          sources: ReadonlyArray<Source>,
          vectors: ReadonlyArray<ReadonlyArray<number>> | undefined,
        ) => {
          let v = 0;
          const rows = sources.flatMap((source) =>
            source.drafts.map((d) => ({
              cid: source.communicationId,
              rid: source.recordingId,
              kind: source.recordingId === null ? 'communication' : 'transcript',
              idx: d.chunkIndex,
              content: d.content,
              ...(vectors ? { e: toVectorText(vectors[v++] ?? []) } : {}),
              s: d.startSeconds ?? null,
              f: d.endSeconds ?? null,
              sp: d.speaker ?? null,
            })),
          );
          if (rows.length === 0) return Effect.void;
          return vectors
            ? client`
                INSERT INTO chunks (customer_id, communication_id, recording_id, source_kind, chunk_index, content,
                                    embedding_model, embedding, start_seconds, end_seconds, speaker)
                SELECT ${customerId}, t.cid, t.rid, t.kind, t.idx, t.content, ${config.embeddingModel}, t.e::vector,
                       t.s, t.f, t.sp
                FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
                  AS t(cid uuid, rid uuid, kind text, idx int, content text, e text, s numeric, f numeric, sp text)
                ON CONFLICT DO NOTHING`.pipe(Effect.asVoid)
            : client`
                INSERT INTO chunks (customer_id, communication_id, recording_id, source_kind, chunk_index, content,
                                    start_seconds, end_seconds, speaker)
                SELECT ${customerId}, t.cid, t.rid, t.kind, t.idx, t.content, t.s, t.f, t.sp
                FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
                  AS t(cid uuid, rid uuid, kind text, idx int, content text, s numeric, f numeric, sp text)
                ON CONFLICT DO NOTHING`.pipe(Effect.asVoid);
        };

        /** Embeds the drafts of `sources` outside any transaction (none where the column is absent). */
        const embedSources = (customerId: string, config: CustomerInference, sources: ReadonlyArray<Source>) =>
          Effect.gen(function* () {
            const withVectors = embeddingColumn ?? (yield* db.withCustomer(customerId, hasEmbeddingColumn));
            if (!withVectors) return undefined;
            const drafts = sources.flatMap((s) => s.drafts);
            return drafts.length === 0 ? [] : yield* embedDrafts(config, drafts);
          });

        /** Reads the source in one transaction, embeds outside it, writes in another. */
        const indexSource = (customer: CustomerRef, read: Effect.Effect<Source | undefined, SqlError>) =>
          Effect.gen(function* () {
            const config = yield* models(customer);
            const source = yield* db.withCustomer(customer.id, read);
            if (!source) return { chunks: 0, alreadyIndexed: true };
            if (source.drafts.length === 0) return { chunks: 0, alreadyIndexed: false };
            const vectors = yield* embedSources(customer.id, config, [source]);
            yield* db.withCustomer(customer.id, insertChunks(sql, customer.id, config, [source], vectors));
            return { chunks: source.drafts.length, alreadyIndexed: false };
          });

        const indexCommunication = Effect.fn('Indexer.indexCommunication')(function* (
          customer: CustomerRef,
          communicationId: string,
        ) {
          return yield* indexSource(
            customer,
            Effect.gen(function* () {
              if (yield* hasChunks(communicationId, null)) return undefined;
              const rows = yield* sql<{ subject: string | null; body_text: string | null }>`
                SELECT subject, body_text FROM communications WHERE id = ${communicationId}`;
              const row = rows[0];
              const drafts = row ? chunkCommunication(row.body_text ?? '', row.subject, chunking) : [];
              return { communicationId, recordingId: null, drafts };
            }),
          );
        });

        const indexRecording = Effect.fn('Indexer.indexRecording')(function* (
          customer: CustomerRef,
          recordingId: string,
        ) {
          const config = yield* models(customer);
          return yield* indexSource(
            customer,
            Effect.gen(function* () {
              const recordings = yield* sql<{ communication_id: string }>`
                SELECT communication_id FROM recordings WHERE id = ${recordingId}`;
              const recording = recordings[0];
              if (!recording) return { communicationId: '', recordingId, drafts: [] };
              if (yield* hasChunks(recording.communication_id, recordingId)) return undefined;
              const segments = yield* sql<{
                start_seconds: string;
                end_seconds: string;
                speaker: string | null;
                text: string;
              }>`
                SELECT start_seconds, end_seconds, speaker, text FROM transcript_segments
                WHERE recording_id = ${recordingId} AND model = ${config.whisperModel}
                ORDER BY segment_index`;
              const drafts = chunkTranscript(
                segments.map((s) => ({
                  startSeconds: Number(s.start_seconds),
                  endSeconds: Number(s.end_seconds),
                  speaker: s.speaker,
                  text: s.text,
                })),
                chunking,
              );
              return { communicationId: recording.communication_id, recordingId, drafts };
            }),
          );
        });

        /**
         * Every communication without chunks, a batch at a time in (sent_at, id) order: one read
         * transaction and chunking in the app per batch, then the batch's embedding calls outside any
         * transaction and one write transaction with every chunk of the batch. Keyset pagination, so a
         * communication with nothing to chunk (empty body and subject) is passed once, not read again
         * forever. WRITERS batches are written at once, each in its own transaction, while the next is
         * read: the term index is the database's work and a second writer uses the second core
         * (bench:search). Batches are disjoint, so each stays atomic and idempotent on its own.
         */
        const indexPendingCommunications = (customer: CustomerRef) =>
          Effect.gen(function* () {
            const config = yield* models(customer);
            const readBatch = (from: PendingCursor | undefined) =>
              db
                .withCustomer(
                  customer.id,
                  sql<{ id: string; sent_at: string; subject: string | null; body_text: string | null }>`
                    SELECT c.id, c.sent_at::text AS sent_at, c.subject, c.body_text FROM communications c
                    WHERE NOT EXISTS (SELECT 1 FROM chunks k WHERE k.customer_id = c.customer_id
                                        AND k.communication_id = c.id AND k.recording_id IS NULL)
                      ${from ? sql`AND (c.sent_at, c.id) > (${from.sentAt}::timestamptz, ${from.id}::uuid)` : sql``}
                    ORDER BY c.sent_at, c.id
                    LIMIT ${PENDING_BATCH}`,
                )
                .pipe(
                  Effect.map((rows) => {
                    const last = rows[rows.length - 1];
                    const batch: Source[] = rows.map((row) => ({
                      communicationId: row.id,
                      recordingId: null,
                      drafts: chunkCommunication(row.body_text ?? '', row.subject, chunking),
                    }));
                    const next: Option.Option<PendingCursor | undefined> =
                      last && rows.length === PENDING_BATCH
                        ? Option.some({ sentAt: last.sent_at, id: last.id })
                        : Option.none();
                    return [rows.length === 0 ? [] : [batch], next] as const;
                  }),
                );
            const writeBatch = (batch: ReadonlyArray<Source>) =>
              Effect.gen(function* () {
                const vectors = yield* embedSources(customer.id, config, batch);
                yield* db.withCustomer(customer.id, insertChunks(sql, customer.id, config, batch, vectors));
                return { sources: batch.length, chunks: batch.reduce((n, b) => n + b.drafts.length, 0) };
              });
            return yield* Stream.paginate(undefined as PendingCursor | undefined, readBatch).pipe(
              Stream.mapEffect(writeBatch, { concurrency: WRITERS }),
              Stream.runFold(
                () => ({ sources: 0, chunks: 0 }),
                (total, written) => ({
                  sources: total.sources + written.sources,
                  chunks: total.chunks + written.chunks,
                }),
              ),
            );
          });

        const indexPending = Effect.fn('Indexer.indexPending')(function* (customer: CustomerRef) {
          const communications = yield* indexPendingCommunications(customer);
          const recordings = yield* db.withCustomer(
            customer.id,
            sql<{ id: string }>`
              SELECT r.id FROM recordings r
              WHERE r.transcription_status = 'done'
                AND NOT EXISTS (SELECT 1 FROM chunks k WHERE k.recording_id = r.id)
              ORDER BY r.created_at, r.id`,
          );
          let chunks = communications.chunks;
          for (const r of recordings) chunks += (yield* indexRecording(customer, r.id)).chunks;
          return { sources: communications.sources + recordings.length, chunks };
        });

        const reembed = Effect.fn('Indexer.reembed')(function* (customer: CustomerRef) {
          const config = yield* models(customer);
          const settings = yield* InferenceSettingsRef;
          const column = yield* db.withCustomer(
            customer.id,
            sql<{ dims: number }>`
              SELECT atttypmod AS dims FROM pg_attribute
              WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'`,
          );
          const dims = column[0]?.dims ?? -1;
          if (dims !== config.embeddingDimensions) {
            return yield* new EmbeddingDimensionMismatch({
              model: config.embeddingModel,
              configured: config.embeddingDimensions,
              column: dims,
            });
          }
          const batch = Math.max(settings.embeddingBatchSize * 4, 64);
          let total = 0;
          while (true) {
            const stale = yield* db.withCustomer(
              customer.id,
              sql<{ id: string; content: string }>`
                SELECT id, content FROM chunks
                WHERE embedding_model IS DISTINCT FROM ${config.embeddingModel} OR embedding IS NULL
                ORDER BY id LIMIT ${batch}`,
            );
            if (stale.length === 0) break;
            const vectors = yield* embeddings.embed(
              stale.map((c) => c.content),
              { endpoint: config.embeddings, model: config.embeddingModel, dimensions: config.embeddingDimensions },
            );
            yield* db.withCustomer(
              customer.id,
              sql`
                UPDATE chunks SET embedding = t.e::vector, embedding_model = ${config.embeddingModel}
                FROM jsonb_to_recordset(${JSON.stringify(
                  stale.map((c, i) => ({ id: c.id, e: toVectorText(vectors[i] ?? []) })),
                )}::jsonb) AS t(id uuid, e text)
                WHERE chunks.id = t.id`,
            );
            total += stale.length;
          }
          return { chunks: total, model: config.embeddingModel };
        });

        return Indexer.of({ indexCommunication, indexRecording, indexPending, reembed });
      }),
    );
}
