-- Redelivery finds stored items by one primary-key probe per item, however
-- stale the planner's statistics (#20: a backfill's redelivery was O(n²)).
--
-- Ingest looks up a page's raw SHA-256 digests before parsing (0011). On
-- communications that lookup had rivals: every index leading with
-- (customer_id, platform) answers it with raw_sha256 as a filter. For a
-- tenant the statistics do not know yet (a new tenant of a pooled database,
-- any table not analyzed since the tenant's backfill began) the planner
-- estimates one row for (customer_id, platform) and picks such an index
-- (communications_thread), so every page scanned all the tenant's rows:
-- EXPLAIN ANALYZE on PostgreSQL 15, 6,000 stored messages, a page of 500
-- digests: "Index Scan using communications_thread … Filter: raw_sha256 =
-- ANY … Rows Removed by Filter: 5500", 37 ms a page and growing with the
-- archive; a LATERAL probe per digest chose the same index 500 times (266 ms).
--
-- raw_digests holds (customer, platform, digest, communication) and nothing
-- else: its primary key is its only index, so an equality probe on all of
-- the key's leading columns has no rival index, and a sequential scan is
-- costed on the table's real size. Ingest probes it once per digest
-- (src/services/pipeline/ingest-sql.ts) and uses the key
-- (test/db/raw-digests.test.ts reads the plan).
--
-- Derived data, like chunk_terms (0013): written only by the triggers of
-- communications, so every writer of communications (ingest, a promotion's
-- copy, a relocation purge) keeps it in step, and a promotion copies
-- communications and verifies this table instead of copying it.

CREATE TABLE raw_digests (
  customer_id uuid NOT NULL,
  platform text NOT NULL,
  raw_sha256 text NOT NULL,
  communication_id uuid NOT NULL,
  PRIMARY KEY (customer_id, platform, raw_sha256, communication_id)
);

ALTER TABLE raw_digests ENABLE ROW LEVEL SECURITY;
ALTER TABLE raw_digests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON raw_digests FOR ALL
  USING (customer_id = (SELECT panops_current_customer_id()))
  WITH CHECK (customer_id = (SELECT panops_current_customer_id()));
-- Read-only to the application role: a digest it could write for its own
-- tenant would make ingest skip that message as already stored (lost, not
-- refused). The triggers write as the owner (SECURITY DEFINER), and forced
-- RLS binds the owner to the transaction's tenant as it binds the caller.
GRANT SELECT ON raw_digests TO "{{app_role}}";

CREATE FUNCTION panops_record_inserted_digests() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN
  INSERT INTO raw_digests (customer_id, platform, raw_sha256, communication_id)
  SELECT n.customer_id, n.platform, n.raw_sha256, n.id
  FROM inserted_communications n
  WHERE n.raw_sha256 IS NOT NULL
  ORDER BY 1, 2, 3, 4;
  RETURN NULL;
END
$fn$;

CREATE FUNCTION panops_forget_deleted_digests() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN
  DELETE FROM raw_digests d
  USING deleted_communications o
  WHERE d.customer_id = o.customer_id AND d.platform = o.platform
    AND d.raw_sha256 = o.raw_sha256 AND d.communication_id = o.id;
  RETURN NULL;
END
$fn$;

-- A row whose platform or digest changes (a promotion's upsert of a
-- diverged copy) moves its digest with it.
CREATE FUNCTION panops_move_updated_digest() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $fn$
BEGIN
  DELETE FROM raw_digests
  WHERE customer_id = OLD.customer_id AND platform = OLD.platform
    AND raw_sha256 = OLD.raw_sha256 AND communication_id = OLD.id;
  IF NEW.raw_sha256 IS NOT NULL THEN
    INSERT INTO raw_digests (customer_id, platform, raw_sha256, communication_id)
    VALUES (NEW.customer_id, NEW.platform, NEW.raw_sha256, NEW.id);
  END IF;
  RETURN NULL;
END
$fn$;

CREATE TRIGGER communications_record_digests
  AFTER INSERT ON communications
  REFERENCING NEW TABLE AS inserted_communications
  FOR EACH STATEMENT EXECUTE FUNCTION panops_record_inserted_digests();

CREATE TRIGGER communications_forget_digests
  AFTER DELETE ON communications
  REFERENCING OLD TABLE AS deleted_communications
  FOR EACH STATEMENT EXECUTE FUNCTION panops_forget_deleted_digests();

CREATE TRIGGER communications_move_digest
  AFTER UPDATE OF customer_id, platform, raw_sha256, id ON communications
  FOR EACH ROW
  WHEN (OLD.platform IS DISTINCT FROM NEW.platform OR OLD.raw_sha256 IS DISTINCT FROM NEW.raw_sha256
        OR OLD.id IS DISTINCT FROM NEW.id OR OLD.customer_id IS DISTINCT FROM NEW.customer_id)
  EXECUTE FUNCTION panops_move_updated_digest();

-- The digests of what is already stored. RLS is forced on the owner too, and
-- one transaction binds one tenant (0008), so the backfill lifts FORCE for its
-- own statement and restores it: DDL is transactional and ALTER TABLE holds
-- an ACCESS EXCLUSIVE lock, so no other session sees the tables unforced.
ALTER TABLE communications NO FORCE ROW LEVEL SECURITY;
ALTER TABLE raw_digests NO FORCE ROW LEVEL SECURITY;
INSERT INTO raw_digests (customer_id, platform, raw_sha256, communication_id)
SELECT customer_id, platform, raw_sha256, id FROM communications
WHERE raw_sha256 IS NOT NULL
ORDER BY 1, 2, 3, 4;
ALTER TABLE communications FORCE ROW LEVEL SECURITY;
ALTER TABLE raw_digests FORCE ROW LEVEL SECURITY;

-- The lookup it replaces (0011) only served ingest's page lookup.
DROP INDEX communications_raw_sha256;

COMMENT ON TABLE raw_digests IS
  'panops:derived-from communications — written only by the triggers of communications (sql/0016); never copied, only verified';
