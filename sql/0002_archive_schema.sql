-- The communications archive, one tenant per customer_id, under forced RLS.
-- Runs as {{owner_role}} (SET LOCAL ROLE), which therefore owns every object.
--
-- Isolation rules every customer-data table follows (sql/README.md):
--   * customer_id uuid NOT NULL, leading the primary key and every index;
--   * ENABLE and FORCE ROW LEVEL SECURITY, one policy `tenant_isolation`
--     with USING and WITH CHECK on panops_current_customer_id();
--   * child rows reference parents through (customer_id, id), so a foreign
--     key can never point into another tenant (RI checks bypass RLS);
--   * natural unique keys lead with customer_id, so a redelivered item is an
--     ON CONFLICT DO NOTHING no-op and never collides with another tenant.

-- The tenant of the current transaction, or NULL when none is set.
-- STABLE and LANGUAGE sql so the planner inlines it: the policy becomes
-- `customer_id = NULLIF(current_setting(...), '')::uuid`, an index condition
-- (a VOLATILE helper here costs 1000x; TOOLCHAIN-NOTES.md, cliff 1).
-- NULLIF: after a transaction ends the setting reads '' (not NULL); '' must
-- mean "no tenant" = no rows, never an error and never all rows.
CREATE FUNCTION panops_current_customer_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN NULLIF(current_setting('app.current_customer_id', true), '')::uuid;

-- customers: the tenant itself. A tenant sees only its own row.
CREATE TABLE customers (
  customer_id uuid PRIMARY KEY,
  -- The blueprint id. Not UNIQUE on purpose: an index not led by customer_id
  -- would tell one tenant (by a unique violation) that another's slug exists.
  slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
  display_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- connectors: one configured source (a Gmail domain, a Slack workspace, ...).
CREATE TABLE connectors (
  customer_id uuid NOT NULL REFERENCES customers (customer_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  platform text NOT NULL CHECK (platform ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  name text NOT NULL,
  settings jsonb NOT NULL DEFAULT '{}'::jsonb,
  state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'paused', 'needs_reauthorization', 'failed', 'disabled')),
  state_detail text,
  last_synced_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  UNIQUE (customer_id, platform, name)
);

-- communications: one row per message, call, meeting or SMS.
-- (customer_id, platform, external_id) is the idempotency key.
CREATE TABLE communications (
  customer_id uuid NOT NULL REFERENCES customers (customer_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  connector_id uuid,
  platform text NOT NULL CHECK (platform ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  external_id text NOT NULL CHECK (external_id <> ''),
  kind text NOT NULL CHECK (kind IN ('email', 'chat', 'call', 'meeting', 'sms', 'voice')),
  thread_id text,
  sent_at timestamptz NOT NULL,
  sender text,
  sender_name text,
  subject text,
  body_text text,
  raw_object_key text,
  raw_sha256 text CHECK (raw_sha256 ~ '^[0-9a-f]{64}$'),
  legal_hold boolean NOT NULL DEFAULT false,
  retention_until timestamptz,
  metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
  ingested_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  UNIQUE (customer_id, platform, external_id),
  FOREIGN KEY (customer_id, connector_id) REFERENCES connectors (customer_id, id)
);
CREATE INDEX communications_sent_at ON communications (customer_id, sent_at DESC);
CREATE INDEX communications_thread ON communications (customer_id, platform, thread_id, sent_at);
CREATE INDEX communications_retention ON communications (customer_id, retention_until) WHERE NOT legal_hold;

-- participants: senders, recipients, members, speakers of a communication.
CREATE TABLE participants (
  customer_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  communication_id uuid NOT NULL,
  role text NOT NULL CHECK (role ~ '^[a-z][a-z_]{0,31}$'),
  address text NOT NULL,
  display_name text,
  PRIMARY KEY (customer_id, id),
  UNIQUE (customer_id, communication_id, role, address),
  FOREIGN KEY (customer_id, communication_id) REFERENCES communications (customer_id, id) ON DELETE CASCADE
);
CREATE INDEX participants_address ON participants (customer_id, lower(address));

-- attachments: files carried by a communication, stored in the archive bucket.
CREATE TABLE attachments (
  customer_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  communication_id uuid NOT NULL,
  ordinal integer NOT NULL CHECK (ordinal >= 0),
  filename text,
  content_type text,
  size_bytes bigint CHECK (size_bytes >= 0),
  object_key text NOT NULL,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  PRIMARY KEY (customer_id, id),
  UNIQUE (customer_id, communication_id, ordinal),
  FOREIGN KEY (customer_id, communication_id) REFERENCES communications (customer_id, id) ON DELETE CASCADE
);

-- recordings: audio/video of a call or meeting, to be transcribed.
CREATE TABLE recordings (
  customer_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  communication_id uuid NOT NULL,
  object_key text NOT NULL,
  sha256 text CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text,
  duration_seconds numeric(12, 3) CHECK (duration_seconds >= 0),
  transcription_status text NOT NULL DEFAULT 'pending'
    CHECK (transcription_status IN ('pending', 'in_progress', 'done', 'failed')),
  transcription_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  UNIQUE (customer_id, communication_id, object_key),
  FOREIGN KEY (customer_id, communication_id) REFERENCES communications (customer_id, id) ON DELETE CASCADE
);
CREATE INDEX recordings_status ON recordings (customer_id, transcription_status);

-- transcript_segments: Whisper output, one row per segment and model.
CREATE TABLE transcript_segments (
  customer_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  recording_id uuid NOT NULL,
  model text NOT NULL,
  segment_index integer NOT NULL CHECK (segment_index >= 0),
  start_seconds numeric(12, 3) NOT NULL CHECK (start_seconds >= 0),
  end_seconds numeric(12, 3) NOT NULL,
  speaker text,
  text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  UNIQUE (customer_id, recording_id, model, segment_index),
  CHECK (end_seconds >= start_seconds),
  FOREIGN KEY (customer_id, recording_id) REFERENCES recordings (customer_id, id) ON DELETE CASCADE
);

-- chunks: searchable pieces of a communication or of a transcript.
-- The `embedding` column is added by 0003_chunk_embeddings.sql where pgvector
-- exists. `search_vector` feeds the term index below.
CREATE TABLE chunks (
  customer_id uuid NOT NULL,
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  communication_id uuid NOT NULL,
  recording_id uuid,
  source_kind text NOT NULL CHECK (source_kind IN ('communication', 'transcript')),
  chunk_index integer NOT NULL CHECK (chunk_index >= 0),
  content text NOT NULL,
  search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
  embedding_model text,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, id),
  CHECK ((source_kind = 'transcript') = (recording_id IS NOT NULL)),
  FOREIGN KEY (customer_id, communication_id) REFERENCES communications (customer_id, id) ON DELETE CASCADE,
  FOREIGN KEY (customer_id, recording_id) REFERENCES recordings (customer_id, id) ON DELETE CASCADE
);
-- Idempotency: one chunk per (source, index); NULLS NOT DISTINCT needs PG15.
CREATE UNIQUE INDEX chunks_source ON chunks (customer_id, communication_id, recording_id, chunk_index) NULLS NOT DISTINCT;

-- chunk_terms: an inverted index of chunk lexemes kept in a B-tree.
-- Why: under RLS only LEAKPROOF operators may become index conditions, and
-- full-text @@ and the trigram operators are not (TOOLCHAIN-NOTES.md, cliff 3),
-- so a GIN index on chunks would go unused and every search would scan the
-- tenant's rows. Text equality and ordering ARE leakproof: a lookup
-- `customer_id = tenant AND term = ANY(lexemes)` is an index condition on
-- this table's primary key even under forced RLS (EXPLAIN-tested).
CREATE TABLE chunk_terms (
  customer_id uuid NOT NULL,
  term text COLLATE "C" NOT NULL,
  chunk_id uuid NOT NULL,
  PRIMARY KEY (customer_id, term, chunk_id),
  FOREIGN KEY (customer_id, chunk_id) REFERENCES chunks (customer_id, id) ON DELETE CASCADE
);

-- Keeps chunk_terms in step with chunks. SECURITY INVOKER (the default): it
-- writes as the caller, under the same policy, into the same tenant.
CREATE FUNCTION panops_index_chunk_terms() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM chunk_terms WHERE customer_id = OLD.customer_id AND chunk_id = OLD.id;
  END IF;
  INSERT INTO chunk_terms (customer_id, term, chunk_id)
  SELECT NEW.customer_id, lexeme, NEW.id
  FROM unnest(tsvector_to_array(NEW.search_vector)) AS lexeme
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$;
CREATE TRIGGER chunks_index_terms
  AFTER INSERT OR UPDATE OF content ON chunks
  FOR EACH ROW EXECUTE FUNCTION panops_index_chunk_terms();

-- audit_log: append-only record of who searched, viewed or exported what.
-- The application role may INSERT and SELECT, never UPDATE or DELETE (no
-- grant and no policy for those commands).
CREATE TABLE audit_log (
  customer_id uuid NOT NULL REFERENCES customers (customer_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL CHECK (actor <> ''),
  action text NOT NULL CHECK (action IN ('search', 'view', 'export', 'answer', 'legal_hold', 'purge', 'login')),
  target_kind text,
  target_id text,
  query text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX audit_log_occurred ON audit_log (customer_id, occurred_at DESC);

-- Legal hold: a held communication cannot be deleted, whoever asks.
CREATE FUNCTION panops_refuse_held_delete() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.legal_hold THEN
    RAISE EXCEPTION 'communication % is under legal hold', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END
$fn$;
CREATE TRIGGER communications_legal_hold
  BEFORE DELETE ON communications
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_held_delete();

-- Row-level security: enabled AND forced (the owner is bound too), one
-- policy per table for every command, on the transaction's tenant.
DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'customers', 'connectors', 'communications', 'participants', 'attachments',
    'recordings', 'transcript_segments', 'chunks', 'chunk_terms'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I FOR ALL '
      'USING (customer_id = panops_current_customer_id()) '
      'WITH CHECK (customer_id = panops_current_customer_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I', t, '{{app_role}}');
  END LOOP;
END
$rls$;
REVOKE DELETE ON customers FROM "{{app_role}}";

-- The audit log: read and append only.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation_read ON audit_log FOR SELECT
  USING (customer_id = panops_current_customer_id());
CREATE POLICY tenant_isolation_append ON audit_log FOR INSERT
  WITH CHECK (customer_id = panops_current_customer_id());
GRANT SELECT, INSERT ON audit_log TO "{{app_role}}";
