-- Citations of transcript chunks: where in the recording a chunk was said,
-- and by whom when the transcript knows. An answer cites "recording R,
-- 00:12:03-00:12:41" from these columns without re-reading the segments.
-- Additive: chunks keeps customer_id, forced RLS and its tenant_isolation
-- policy from 0002; new columns inherit them.
ALTER TABLE chunks
  ADD COLUMN start_seconds numeric(12, 3) CHECK (start_seconds >= 0),
  ADD COLUMN end_seconds numeric(12, 3),
  ADD COLUMN speaker text,
  ADD CONSTRAINT chunks_times_only_for_transcripts
    CHECK (source_kind = 'transcript' OR (start_seconds IS NULL AND end_seconds IS NULL)),
  ADD CONSTRAINT chunks_times_ordered CHECK (end_seconds >= start_seconds);
