/**
 * The database checks of the compliance run: what each one proves about
 * tenant isolation. Ids are stable: the catalog (`layers.database[].rules`)
 * names them and the report lists their outcomes per table or role.
 */
export const DATABASE_RULES = {
  'migrations-apply': 'The sql/ migrations apply, in order, to an empty PostgreSQL (PGlite)',
  'tenant-tables-rls-forced': 'Every table with a customer_id column has row-level security enabled and forced',
  'tenant-tables-policies-bound-to-tenant':
    "Every table with customer_id has a policy limiting reads (USING) and one limiting writes (WITH CHECK) to the transaction's tenant, and no permissive policy the application role is subject to ignores the tenant",
  'app-role-not-privileged':
    'The application role is not superuser, has no BYPASSRLS and is not a member of a role that is or has',
  'app-role-owns-nothing':
    'The application role owns no table, view, sequence, function, type or schema, and is not a member of any table owner',
  'no-tenant-reads-nothing': 'With no tenant set, a query on a table with customer_id returns zero rows',
  'no-tenant-insert-refused':
    'With no tenant set, an insert into a table with customer_id is refused by row-level security',
  'session-tenant-grants-nothing':
    'A tenant set for the whole session (set_config(..., false), SET) or left by an earlier transaction grants no row: only panops_set_tenant binds a tenant, for its own transaction',
  'no-temporary-objects':
    'The application role cannot create temporary tables (TEMPORARY revoked), which could shadow a customer table in pg_temp',
  'legal-hold-owner-only':
    'The application role cannot lift a legal hold (nor lift it and delete in one transaction), cannot run panops_release_legal_hold or panops_release_hold (the owner’s audited procedures) and cannot write legal_holds',
  'held-records-survive-disposition':
    'A communication past its retention and held by a matter cannot be deleted by the application role (the delete disposition would run is refused), and no table with customer_id can be truncated by it',
  'term-statistics-withheld':
    "chunk_terms.term gathers no planner statistics (target 0), so no tenant's EXPLAIN estimate says how often another tenant's term occurs",
  'functions-pin-search-path':
    'Every function of the schema pins its search_path with pg_temp last, so no object created later can stand in for a name it uses',
} as const;

export type DatabaseRuleId = keyof typeof DATABASE_RULES;

export const DATABASE_RULE_IDS = Object.keys(DATABASE_RULES) as DatabaseRuleId[];

/**
 * The setting that carries the tenant, the one function that binds it to the
 * current transaction (`TenantSql.withCustomer` calls it; a session-level
 * setting grants nothing, sql/0008_transaction_tenant.sql), and the helper
 * every policy reads the tenant through.
 */
export const TENANT_SETTING = 'app.current_customer_id';
export const TENANT_BINDER = 'panops_set_tenant';
export const TENANT_FUNCTION = 'panops_current_customer_id()';

/** A fixed probe tenant, so two runs give byte-identical reports. */
export const PROBE_CUSTOMER_ID = '00000000-0000-4000-8000-00000000c0de';
