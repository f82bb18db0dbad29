-- Relocation of a customer out of this database (promotion from the pooled
-- cluster to the customer's own account). The application role still cannot
-- delete customers, audit rows or held communications; only the owner role
-- can, only for the tenant of its transaction, and — for held communications
-- — only when the transaction names that same customer as the one being
-- relocated. The promotion command does this, as the administrator through
-- SET LOCAL ROLE, after it verified the customer's copy in its new database
-- (src/services/promotion). Additive: every policy of 0002 stays.

-- The owner may remove the tenant's audit rows (the copy in the new database
-- keeps them); the application role still has no DELETE grant on audit_log.
CREATE POLICY tenant_relocation_purge ON audit_log FOR DELETE TO "{{owner_role}}"
  USING (customer_id = panops_current_customer_id());

-- Legal hold: still refused for everyone, except the owner purging the one
-- customer whose relocation the transaction declares (its verified copy holds
-- the hold). The setting alone is not enough: the application role cannot
-- become the owner.
CREATE OR REPLACE FUNCTION panops_refuse_held_delete() RETURNS trigger
  LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.legal_hold AND NOT (
    current_user = '{{owner_role}}'
    AND current_setting('panops.relocating_customer_id', true) = OLD.customer_id::text
    AND OLD.customer_id = panops_current_customer_id()
  ) THEN
    RAISE EXCEPTION 'communication % is under legal hold', OLD.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN OLD;
END
$fn$;
