-- One entry point binds the tenant, for the current transaction only.
--
-- Until now the tenant was whatever `app.current_customer_id` held, so a
-- session-level `set_config(..., false)` or a `SET` without LOCAL made every
-- later transaction on that pooled connection read and change that tenant's
-- rows. Now:
--   * panops_set_tenant(uuid) sets the tenant AND a binding that names the
--     tenant and the transaction (its start time, to the microsecond), both
--     transaction-local;
--   * panops_current_customer_id() returns the tenant only when that binding
--     matches the current transaction and the tenant setting; a tenant set
--     any other way (session-level, by a raw set_config, left over by an
--     earlier transaction) yields NULL: no row read, every write refused.
-- The transaction's start time, not txid_current(): assigning a transaction
-- id would turn every read-only transaction into a writing one (a commit
-- record to flush) and fails on a read replica ("cannot assign TransactionIds
-- during recovery"). Two transactions of one session never share a start
-- time, and the binding is always transaction-local, so it never outlives
-- the transaction that made it.
--
-- Policies read the tenant through `(SELECT panops_current_customer_id())`:
-- an InitPlan evaluated once per statement, still an index condition on
-- (customer_id, ...) under forced RLS (EXPLAIN-tested), and cheap even where
-- the policy filters row by row. The function pins its search_path (like
-- every function here), which stops the planner from inlining it; the
-- sub-select keeps it from being called per row (measured on PostgreSQL 15,
-- 300k-row sequential scan: pinned function per row 3.7 s, inlined 0.68 s,
-- sub-select 0.19 s).

CREATE OR REPLACE FUNCTION panops_current_customer_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  SET search_path = pg_catalog, pg_temp
  RETURN CASE
    WHEN current_setting('app.current_customer_binding', true)
       = current_setting('app.current_customer_id', true) || '@' || (extract(epoch FROM transaction_timestamp()))::text
    THEN NULLIF(current_setting('app.current_customer_id', true), '')::uuid
  END;

-- The only way to become a tenant. One transaction serves one tenant:
-- binding a second, different one is refused (insufficient_privilege, which
-- TenantSql reports as a TenantIsolationError).
CREATE FUNCTION panops_set_tenant(tenant uuid) RETURNS uuid
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  bound uuid := panops_current_customer_id();
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'panops_set_tenant needs a customer id' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF bound IS NOT NULL AND bound <> tenant THEN
    RAISE EXCEPTION 'this transaction is already bound to customer %; one transaction serves one tenant (refused %)',
      bound, tenant USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM set_config('app.current_customer_id', tenant::text, true);
  PERFORM set_config('app.current_customer_binding',
    tenant::text || '@' || (extract(epoch FROM transaction_timestamp()))::text, true);
  RETURN tenant;
END
$fn$;

-- Every policy reads the tenant once per statement (see above).
DO $policies$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'customers', 'connectors', 'communications', 'participants', 'attachments',
    'recordings', 'transcript_segments', 'chunks', 'chunk_terms'
  ] LOOP
    EXECUTE format(
      'ALTER POLICY tenant_isolation ON %I '
      'USING (customer_id = (SELECT panops_current_customer_id())) '
      'WITH CHECK (customer_id = (SELECT panops_current_customer_id()))', t);
  END LOOP;
END
$policies$;
ALTER POLICY tenant_isolation_read ON audit_log USING (customer_id = (SELECT panops_current_customer_id()));
ALTER POLICY tenant_isolation_append ON audit_log WITH CHECK (customer_id = (SELECT panops_current_customer_id()));
ALTER POLICY tenant_relocation_purge ON audit_log USING (customer_id = (SELECT panops_current_customer_id()));

-- Every function of the schema pins its search_path, pg_temp last (named,
-- so it is not searched first): nothing created later — a temporary table,
-- a function in a schema earlier on a caller's path — can stand in for a
-- name a function uses. Extension members (pg_trgm, pgvector) are the
-- extensions' own and name nothing of ours.
DO $pin$
DECLARE
  f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = current_schema()::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      AND (p.proconfig IS NULL OR NOT EXISTS (SELECT 1 FROM unnest(p.proconfig) c WHERE c LIKE 'search\_path=%'))
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
  END LOOP;
END
$pin$;
