-- Retention set at ingest, named legal holds (matters), and the audit actions
-- of disposition. Additive: every policy and trigger of 0002/0006/0009 stays.
--
-- * retention_policies: the customer's retention as the blueprint states it,
--   append-only (a change is a new row, effective from when it is recorded, so
--   it applies forward; the rows already stored keep the date they were given).
-- * communications.retention_until is filled on INSERT from the policy in
--   force at that moment (platform/kind-specific first, then the customer's
--   default), counted from sent_at. No policy: NULL, never disposed of.
-- * legal_holds: one row per (matter, communication). Matters overlap; a
--   communication is held (communications.legal_hold) while any matter holds
--   it. panops_place_hold may be called by the application role (a hold only
--   protects more); panops_release_hold only by the owner, and nobody else may
--   delete or change a hold row. Both write an audit_log row (who, why).

ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (
  action IN ('search', 'view', 'export', 'answer', 'legal_hold', 'purge', 'login', 'retention_policy', 'disposition')
);

CREATE TABLE retention_policies (
  customer_id uuid NOT NULL REFERENCES customers (customer_id),
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  -- '*' = every platform / every kind.
  platform text NOT NULL DEFAULT '*' CHECK (platform = '*' OR platform ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  kind text NOT NULL DEFAULT '*' CHECK (kind IN ('*', 'email', 'chat', 'call', 'meeting', 'sms', 'voice')),
  retention_days integer NOT NULL CHECK (retention_days BETWEEN 1 AND 36500),
  effective_from timestamptz NOT NULL DEFAULT now(),
  recorded_by text NOT NULL CHECK (recorded_by <> ''),
  PRIMARY KEY (customer_id, id)
);
CREATE INDEX retention_policies_scope ON retention_policies (customer_id, platform, kind, effective_from DESC);

CREATE TABLE legal_holds (
  customer_id uuid NOT NULL,
  matter text NOT NULL CHECK (matter ~ '^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,127}$'),
  communication_id uuid NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  placed_by text NOT NULL CHECK (placed_by <> ''),
  reason text NOT NULL CHECK (reason <> ''),
  PRIMARY KEY (customer_id, matter, communication_id),
  -- CASCADE only matters to the relocation purge (the one delete of a held row allowed).
  FOREIGN KEY (customer_id, communication_id) REFERENCES communications (customer_id, id) ON DELETE CASCADE
);
CREATE INDEX legal_holds_communication ON legal_holds (customer_id, communication_id);

DO $rls$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['retention_policies', 'legal_holds'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I FOR ALL '
      'USING (customer_id = (SELECT panops_current_customer_id())) '
      'WITH CHECK (customer_id = (SELECT panops_current_customer_id()))', t);
  END LOOP;
END
$rls$;
-- Policies are append-only for the application role; holds are read-only to it
-- (it places them through panops_place_hold, never by INSERT, so every hold is audited).
GRANT SELECT, INSERT ON retention_policies TO "{{app_role}}";
GRANT SELECT ON legal_holds TO "{{app_role}}";

-- A hold row is changed or removed only by panops_release_hold (the owner) or
-- by the owner relocating that customer (0006/0009's rule).
CREATE FUNCTION panops_refuse_hold_row_change() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
  IF NOT coalesce(
    current_user = '{{owner_role}}' AND OLD.customer_id = panops_current_customer_id() AND (
      current_setting('panops.releasing_legal_hold', true) = OLD.customer_id::text
      OR current_setting('panops.relocating_customer_id', true) = OLD.customer_id::text), false
  ) THEN
    RAISE EXCEPTION 'legal hold of matter % on communication % is lifted only by panops_release_hold (the owner, audited)',
      OLD.matter, OLD.communication_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$fn$;
CREATE TRIGGER legal_holds_owner_only
  BEFORE UPDATE OR DELETE ON legal_holds
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_hold_row_change();

-- The retention in days for one record of a customer, as the policy stood at `at`.
CREATE FUNCTION panops_retention_days(customer uuid, record_platform text, record_kind text, at timestamptz)
  RETURNS integer
  LANGUAGE sql STABLE
  SET search_path = pg_catalog, public, pg_temp
  RETURN (
    SELECT p.retention_days FROM retention_policies p
    WHERE p.customer_id = customer AND p.platform IN (record_platform, '*') AND p.kind IN (record_kind, '*')
      AND p.effective_from <= at
    ORDER BY (p.platform <> '*') DESC, (p.kind <> '*') DESC, p.effective_from DESC, p.id
    LIMIT 1
  );

CREATE FUNCTION panops_set_retention_until() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  days integer;
BEGIN
  IF NEW.retention_until IS NULL THEN
    days := panops_retention_days(NEW.customer_id, NEW.platform, NEW.kind, now());
    IF days IS NOT NULL THEN
      NEW.retention_until := NEW.sent_at + make_interval(days => days);
    END IF;
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER communications_retention_until
  BEFORE INSERT ON communications
  FOR EACH ROW EXECUTE FUNCTION panops_set_retention_until();

-- Records the customer's retention for a scope when it differs from the one in
-- force (a no-op otherwise), with an audit row naming the old and new value.
-- SECURITY INVOKER: runs as the caller, under the caller's tenant.
CREATE FUNCTION panops_record_retention_policy(customer uuid, scope_platform text, scope_kind text, days integer, actor text)
  RETURNS boolean
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  current_days integer;
BEGIN
  SELECT p.retention_days INTO current_days FROM retention_policies p
   WHERE p.customer_id = customer AND p.platform = scope_platform AND p.kind = scope_kind
   ORDER BY p.effective_from DESC, p.id LIMIT 1;
  IF current_days IS NOT DISTINCT FROM days THEN
    RETURN false;
  END IF;
  INSERT INTO retention_policies (customer_id, platform, kind, retention_days, recorded_by)
  VALUES (customer, scope_platform, scope_kind, days, actor);
  INSERT INTO audit_log (customer_id, actor, action, target_kind, target_id, details)
  VALUES (customer, actor, 'retention_policy', 'retention_policies', scope_platform || '/' || scope_kind,
          jsonb_build_object('previous_days', current_days, 'days', days, 'applies_to', 'records ingested from now on'));
  RETURN true;
END
$fn$;

-- Places matter `matter` on the given communications of one customer. Returns
-- {placed: ids newly held by this matter, held: ids that exist and are now held}.
CREATE FUNCTION panops_place_hold(customer uuid, matter text, communication_ids uuid[], actor text, reason text)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  placed uuid[];
  held uuid[];
BEGIN
  IF coalesce(btrim(actor), '') = '' OR coalesce(btrim(reason), '') = '' OR coalesce(btrim(matter), '') = '' THEN
    RAISE EXCEPTION 'placing a legal hold needs a matter, an actor and a reason' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM panops_set_tenant(customer);
  SELECT coalesce(array_agg(c.id ORDER BY c.id), '{}') INTO held FROM communications c
   WHERE c.customer_id = customer AND c.id = ANY (communication_ids);
  WITH added AS (
    INSERT INTO legal_holds (customer_id, matter, communication_id, placed_by, reason)
    SELECT customer, matter, id, actor, reason FROM unnest(held) AS id
    ON CONFLICT DO NOTHING
    RETURNING communication_id
  ) SELECT coalesce(array_agg(communication_id ORDER BY communication_id), '{}') INTO placed FROM added;
  UPDATE communications SET legal_hold = true WHERE customer_id = customer AND id = ANY (held) AND NOT legal_hold;
  INSERT INTO audit_log (customer_id, actor, action, target_kind, target_id, details)
  VALUES (customer, actor, 'legal_hold', 'matter', matter,
          jsonb_build_object('operation', 'place', 'matter', matter, 'reason', reason,
                             'requested', to_jsonb(communication_ids), 'placed', to_jsonb(placed),
                             'by_role', session_user));
  RETURN jsonb_build_object('placed', to_jsonb(placed), 'held', to_jsonb(held));
END
$fn$;

-- Lifts matter `matter` from the given communications (NULL: all of the
-- matter's). A communication stays held while another matter holds it.
-- Returns {released: ids this matter no longer holds, lifted: ids no longer
-- held at all, still_held: released ids another matter still holds}.
CREATE FUNCTION panops_release_hold(customer uuid, matter text, communication_ids uuid[], actor text, reason text)
  RETURNS jsonb
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  released uuid[];
  lifted uuid[];
BEGIN
  IF coalesce(btrim(actor), '') = '' OR coalesce(btrim(reason), '') = '' OR coalesce(btrim(matter), '') = '' THEN
    RAISE EXCEPTION 'releasing a legal hold needs a matter, an actor and a reason' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM panops_set_tenant(customer);
  PERFORM set_config('panops.releasing_legal_hold', customer::text, true);
  WITH gone AS (
    DELETE FROM legal_holds h
     WHERE h.customer_id = customer AND h.matter = panops_release_hold.matter
       AND (communication_ids IS NULL OR h.communication_id = ANY (communication_ids))
    RETURNING h.communication_id
  ) SELECT coalesce(array_agg(communication_id ORDER BY communication_id), '{}') INTO released FROM gone;
  WITH off AS (
    UPDATE communications c SET legal_hold = false
     WHERE c.customer_id = customer AND c.id = ANY (released) AND c.legal_hold
       AND NOT EXISTS (SELECT 1 FROM legal_holds h WHERE h.customer_id = customer AND h.communication_id = c.id)
    RETURNING c.id
  ) SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO lifted FROM off;
  PERFORM set_config('panops.releasing_legal_hold', '', true);
  INSERT INTO audit_log (customer_id, actor, action, target_kind, target_id, details)
  VALUES (customer, actor, 'legal_hold', 'matter', matter,
          jsonb_build_object('operation', 'release', 'matter', matter, 'reason', reason,
                             'requested', to_jsonb(communication_ids), 'released', to_jsonb(released),
                             'lifted', to_jsonb(lifted), 'by_role', session_user));
  RETURN jsonb_build_object(
    'released', to_jsonb(released), 'lifted', to_jsonb(lifted),
    'still_held', to_jsonb(ARRAY(SELECT unnest(released) EXCEPT SELECT unnest(lifted) ORDER BY 1)));
END
$fn$;

REVOKE EXECUTE ON FUNCTION panops_place_hold(uuid, text, uuid[], text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION panops_release_hold(uuid, text, uuid[], text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION panops_place_hold(uuid, text, uuid[], text, text) TO "{{app_role}}";
