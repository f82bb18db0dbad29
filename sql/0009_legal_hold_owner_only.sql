-- Legal hold: only the owner lifts a hold, through one audited procedure.
--
-- Until now the application role could `UPDATE communications SET
-- legal_hold = false` and then delete the row, even in one transaction.
-- Now a trigger refuses any change that lifts a hold unless it is made by
-- panops_release_legal_hold(), a SECURITY DEFINER procedure owned by
-- {{owner_role}} that only the owner may execute (the application role
-- cannot: EXECUTE is revoked from PUBLIC and never granted), which writes an
-- audit_log row naming who released what and why. Placing a hold stays open
-- to the application role (it only protects more); panops_place_legal_hold()
-- does it with the same audit trail.

CREATE FUNCTION panops_refuse_hold_lift() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
  IF OLD.legal_hold AND NOT NEW.legal_hold AND NOT coalesce(
    current_user = '{{owner_role}}'
    AND current_setting('panops.releasing_legal_hold', true) = OLD.customer_id::text, false
  ) THEN
    RAISE EXCEPTION 'communication % is under legal hold; only panops_release_legal_hold (the owner, audited) lifts it', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER communications_legal_hold_lift
  BEFORE UPDATE OF legal_hold ON communications
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_hold_lift();

-- Releases the hold on the given communications of one customer; returns how
-- many it released. Runs as the owner, bound to that customer for the rest
-- of the calling transaction (one transaction, one tenant).
CREATE FUNCTION panops_release_legal_hold(customer uuid, communication_ids uuid[], actor text, reason text)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  released uuid[];
BEGIN
  IF coalesce(btrim(actor), '') = '' OR coalesce(btrim(reason), '') = '' THEN
    RAISE EXCEPTION 'releasing a legal hold needs an actor and a reason' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM panops_set_tenant(customer);
  PERFORM set_config('panops.releasing_legal_hold', customer::text, true);
  WITH changed AS (
    UPDATE communications SET legal_hold = false
     WHERE customer_id = customer AND id = ANY (communication_ids) AND legal_hold
    RETURNING id
  ) SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO released FROM changed;
  PERFORM set_config('panops.releasing_legal_hold', '', true);
  INSERT INTO audit_log (customer_id, actor, action, target_kind, target_id, details)
  VALUES (customer, actor, 'legal_hold', 'communications', NULL,
          jsonb_build_object('operation', 'release', 'reason', reason, 'requested', to_jsonb(communication_ids),
                             'released', to_jsonb(released), 'by_role', session_user));
  RETURN cardinality(released);
END
$fn$;

-- Places a hold (the application role may too, by UPDATE); audited the same way.
CREATE FUNCTION panops_place_legal_hold(customer uuid, communication_ids uuid[], actor text, reason text)
  RETURNS integer
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  placed uuid[];
BEGIN
  IF coalesce(btrim(actor), '') = '' OR coalesce(btrim(reason), '') = '' THEN
    RAISE EXCEPTION 'placing a legal hold needs an actor and a reason' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM panops_set_tenant(customer);
  WITH changed AS (
    UPDATE communications SET legal_hold = true
     WHERE customer_id = customer AND id = ANY (communication_ids) AND NOT legal_hold
    RETURNING id
  ) SELECT coalesce(array_agg(id ORDER BY id), '{}') INTO placed FROM changed;
  INSERT INTO audit_log (customer_id, actor, action, target_kind, target_id, details)
  VALUES (customer, actor, 'legal_hold', 'communications', NULL,
          jsonb_build_object('operation', 'place', 'reason', reason, 'requested', to_jsonb(communication_ids),
                             'placed', to_jsonb(placed), 'by_role', session_user));
  RETURN cardinality(placed);
END
$fn$;

REVOKE EXECUTE ON FUNCTION panops_release_legal_hold(uuid, uuid[], text, text) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION panops_place_legal_hold(uuid, uuid[], text, text) FROM PUBLIC;

-- The relocation exception of 0006 read an unset marker as NULL, and
-- NOT (... AND NULL) is NULL, which IF treats as false: the owner could
-- delete a held row without declaring a relocation. Unset now means refused.
CREATE OR REPLACE FUNCTION panops_refuse_held_delete() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
BEGIN
  IF OLD.legal_hold AND NOT coalesce(
    current_user = '{{owner_role}}'
    AND current_setting('panops.relocating_customer_id', true) = OLD.customer_id::text
    AND OLD.customer_id = panops_current_customer_id(), false
  ) THEN
    RAISE EXCEPTION 'communication % is under legal hold', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END
$fn$;
