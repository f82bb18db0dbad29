import { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { TranscribedSegment } from './whisper.js';

/**
 * Rows of `recordings` and `transcript_segments`, read and written inside a
 * tenant transaction (the caller's `TenantSql.withCustomer`).
 *
 * Segment numbering makes a split recording resumable: `segment_index` is
 * `piece * PIECE_STRIDE + position in the piece`, so ordering by it is
 * recording order, a piece's segments are written in one transaction (all
 * or nothing), and a re-run skips the pieces that already have rows instead
 * of sending them to the GPU again.
 */
export const PIECE_STRIDE = 10_000;

export interface RecordingRow {
  readonly id: string;
  readonly communication_id: string;
  readonly object_key: string;
  readonly content_type: string | null;
  readonly transcription_status: 'pending' | 'in_progress' | 'done' | 'failed';
}

export const findRecording = (sql: SqlClient.SqlClient, recordingId: string) =>
  sql<RecordingRow>`
    SELECT id, communication_id, object_key, content_type, transcription_status
    FROM recordings WHERE id = ${recordingId}`.pipe(Effect.map((rows) => rows[0]));

/** Pieces of this recording that already have segments for `model`. */
export const storedPieces = (sql: SqlClient.SqlClient, recordingId: string, model: string) =>
  sql<{ piece: number }>`
    SELECT DISTINCT (segment_index / ${PIECE_STRIDE})::int AS piece FROM transcript_segments
    WHERE recording_id = ${recordingId} AND model = ${model}`.pipe(
    Effect.map((rows) => new Set(rows.map((r) => r.piece))),
  );

/** Writes one piece's segments; rows that exist already are left as they are. */
export const insertPieceSegments = (
  sql: SqlClient.SqlClient,
  customerId: string,
  recordingId: string,
  model: string,
  piece: number,
  segments: ReadonlyArray<TranscribedSegment>,
) =>
  segments.length === 0
    ? Effect.void
    : sql`
        INSERT INTO transcript_segments (customer_id, recording_id, model, segment_index, start_seconds, end_seconds, text)
        SELECT ${customerId}, ${recordingId}, ${model}, t.idx, t.s, t.e, t.text
        FROM jsonb_to_recordset(${JSON.stringify(
          segments.map((seg, i) => ({
            idx: piece * PIECE_STRIDE + i,
            s: seg.startSeconds,
            e: Math.max(seg.endSeconds, seg.startSeconds),
            text: seg.text,
          })),
        )}::jsonb) AS t(idx int, s numeric, e numeric, text text)
        ON CONFLICT DO NOTHING`.pipe(Effect.asVoid);

export const markRecording = (
  sql: SqlClient.SqlClient,
  recordingId: string,
  status: RecordingRow['transcription_status'],
  detail?: { readonly error?: string; readonly durationSeconds?: number },
) =>
  sql`
    UPDATE recordings SET transcription_status = ${status},
      transcription_error = ${detail?.error ?? null},
      duration_seconds = COALESCE(${detail?.durationSeconds ?? null}::numeric, duration_seconds)
    WHERE id = ${recordingId}`.pipe(Effect.asVoid);
