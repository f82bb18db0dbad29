-- Redelivery without re-parsing: ingest looks up a page of raw items by the
-- SHA-256 of their bytes before it parses them. The same bytes under the same
-- platform normalize to the same natural key (customer, platform,
-- external_id), so an item whose raw hash is already stored is a duplicate
-- and needs neither a MIME parse nor an archive write. This index makes that
-- one lookup per page an index scan; it leads with customer_id like every
-- other, so it stays usable under forced RLS (uuid/text equality is leakproof).
CREATE INDEX communications_raw_sha256 ON communications (customer_id, platform, raw_sha256)
  WHERE raw_sha256 IS NOT NULL;
