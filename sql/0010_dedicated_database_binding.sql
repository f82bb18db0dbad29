-- A dedicated database belongs to one customer, bound at deploy.
--
-- Until now a dedicated database accepted any customer's rows, and a
-- promotion pointed at the wrong customer's database copied into it,
-- reported success and purged the pool. Now the deploy-time migration hook
-- binds each dedicated database to its customer (panops_bind_database, run
-- as the owner), and from then on the database itself refuses every other
-- customer: panops_set_tenant will not bind another tenant, and the
-- customers table — which every customer-data row references, directly or
-- through its parent — refuses another customer_id even to a role that
-- bypasses RLS (triggers fire for every role). The pooled cluster's
-- database is never bound. Promotion reads the binding first and refuses a
-- target bound to someone else before it copies anything.

-- Owner-only: the application role has no grant on it.
CREATE TABLE panops_database_binding (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  bound_customer_id uuid NOT NULL,
  bound_at timestamptz NOT NULL DEFAULT now(),
  bound_by text NOT NULL DEFAULT session_user
);
REVOKE ALL ON panops_database_binding FROM PUBLIC;

-- The customer this database is bound to, or NULL (pooled, or not yet bound).
-- Readable by the application role through this function only.
CREATE FUNCTION panops_bound_customer_id() RETURNS uuid
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  RETURN (SELECT bound_customer_id FROM panops_database_binding);

-- Binds the database to `customer` (idempotent for the same customer).
-- Refused when it is bound to another, or holds another customer's rows.
-- Only the owner may run it.
CREATE FUNCTION panops_bind_database(customer uuid) RETURNS uuid
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  bound uuid := panops_bound_customer_id();
  others bigint;
BEGIN
  IF customer IS NULL THEN
    RAISE EXCEPTION 'panops_bind_database needs a customer id' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF bound IS NOT NULL THEN
    IF bound <> customer THEN
      RAISE EXCEPTION 'this database is bound to customer %, not %', bound, customer USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN bound;
  END IF;
  -- Forced RLS binds the owner too; lift it for this count only (the DDL
  -- locks the table, and rolls back with a failed bind).
  ALTER TABLE customers NO FORCE ROW LEVEL SECURITY;
  SELECT count(*) INTO others FROM customers WHERE customer_id <> customer;
  ALTER TABLE customers FORCE ROW LEVEL SECURITY;
  IF others > 0 THEN
    RAISE EXCEPTION 'this database holds % other customer(s); it cannot be bound to %', others, customer
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO panops_database_binding (bound_customer_id) VALUES (customer);
  RETURN customer;
END
$fn$;
REVOKE EXECUTE ON FUNCTION panops_bind_database(uuid) FROM PUBLIC;

CREATE FUNCTION panops_refuse_foreign_customer() RETURNS trigger
  LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  bound uuid := panops_bound_customer_id();
BEGIN
  IF bound IS NOT NULL AND NEW.customer_id IS DISTINCT FROM bound THEN
    RAISE EXCEPTION 'this database is bound to customer %; customer % is refused', bound, NEW.customer_id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER customers_bound_database
  BEFORE INSERT OR UPDATE OF customer_id ON customers
  FOR EACH ROW EXECUTE FUNCTION panops_refuse_foreign_customer();

-- panops_set_tenant of 0008, plus: a bound database binds no other tenant.
CREATE OR REPLACE FUNCTION panops_set_tenant(tenant uuid) RETURNS uuid
  LANGUAGE plpgsql VOLATILE
  SET search_path = pg_catalog, public, pg_temp
AS $fn$
DECLARE
  bound uuid := panops_current_customer_id();
  database_customer uuid := panops_bound_customer_id();
BEGIN
  IF tenant IS NULL THEN
    RAISE EXCEPTION 'panops_set_tenant needs a customer id' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  IF database_customer IS NOT NULL AND database_customer <> tenant THEN
    RAISE EXCEPTION 'this database is bound to customer %; customer % is refused', database_customer, tenant
      USING ERRCODE = 'insufficient_privilege';
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
