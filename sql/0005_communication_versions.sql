-- Versions of chat messages (Slack, Teams): an edit or a deletion is stored as
-- a row of its own, never as an update of the original, so the archive keeps
-- every text a message ever had. Each version has its own external_id
-- ("<conversation>:<id>#edit:<time>", "#delete:<time>") and names the original
-- in metadata.versionOf; these generated columns make that a first-class,
-- indexed relation ("every version of this message") without changing how
-- ingest writes rows.
-- Additive: communications keeps customer_id, forced RLS and its
-- tenant_isolation policy from 0002; generated columns inherit them, and the
-- index leads with customer_id like every other.
ALTER TABLE communications
  ADD COLUMN version_kind text GENERATED ALWAYS AS (coalesce(metadata ->> 'version', 'original')) STORED,
  ADD COLUMN version_of text GENERATED ALWAYS AS (metadata ->> 'versionOf') STORED,
  ADD CONSTRAINT communications_version_kind CHECK (version_kind IN ('original', 'edit', 'deletion'));
CREATE INDEX communications_versions ON communications (customer_id, platform, version_of, sent_at)
  WHERE version_of IS NOT NULL;
