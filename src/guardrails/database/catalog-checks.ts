import type { DatabaseCheckOutcome } from '../compliance/model.js';
import { TENANT_FUNCTION } from './rules.js';
import type { SqlSession } from './session.js';

/** A table holding customer data: it has a `customer_id` column. */
export interface TenantTable {
  readonly oid: number;
  readonly schema: string;
  readonly name: string;
  readonly rlsEnabled: boolean;
  readonly rlsForced: boolean;
  readonly owner: string;
}

/** Repository-relative migration file that created a table (`sql/0002_archive_schema.sql`). */
export type FileOfTable = (table: string) => string;

export const tableSubject = (t: Pick<TenantTable, 'schema' | 'name'>): string => `table ${t.schema}.${t.name}`;

/** Every ordinary or partitioned table outside the system schemas with a live `customer_id` column. */
export const tenantTables = (db: SqlSession): Promise<TenantTable[]> =>
  db.query<TenantTable>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name,
            c.relrowsecurity AS "rlsEnabled", c.relforcerowsecurity AS "rlsForced",
            pg_get_userbyid(c.relowner) AS owner
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
      ORDER BY n.nspname, c.relname`,
  );

/** RLS on and forced: without FORCE the table owner (the migrations' role) reads every tenant. */
export const checkRlsForced = (tables: readonly TenantTable[], fileOf: FileOfTable): DatabaseCheckOutcome[] =>
  tables.map((t) => {
    const missing = [t.rlsEnabled ? '' : 'ENABLE ROW LEVEL SECURITY', t.rlsForced ? '' : 'FORCE ROW LEVEL SECURITY']
      .filter(Boolean)
      .join(' and ');
    return {
      ruleId: 'tenant-tables-rls-forced',
      subject: tableSubject(t),
      status: missing ? 'failed' : 'passed',
      detail: missing ? `missing ${missing}` : 'row-level security enabled and forced',
      file: fileOf(t.name),
    };
  });

interface PolicyRow {
  readonly oid: number;
  readonly name: string;
  /** `r` SELECT, `a` INSERT, `w` UPDATE, `d` DELETE, `*` ALL. */
  readonly cmd: string;
  readonly permissive: boolean;
  readonly appliesToApp: boolean;
  readonly using: string | null;
  readonly check: string | null;
}

const COMMAND: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

/** Removes parentheses that wrap the whole expression. */
const unwrap = (expression: string): string => {
  let e = expression.trim();
  while (e.startsWith('(') && e.endsWith(')')) {
    let depth = 0;
    let wrapsAll = true;
    for (let i = 0; i < e.length - 1; i++) {
      if (e[i] === '(') depth++;
      else if (e[i] === ')') depth--;
      if (depth === 0) {
        wrapsAll = false;
        break;
      }
    }
    if (!wrapsAll) break;
    e = e.slice(1, -1).trim();
  }
  return e;
};

/** The expression's top-level AND terms (quotes and nested parentheses respected). */
const conjuncts = (expression: string): string[] => {
  const e = unwrap(expression);
  const terms: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < e.length; i++) {
    const c = e[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && e.startsWith(' AND ', i)) {
      terms.push(unwrap(e.slice(start, i)));
      start = i + 5;
    }
  }
  terms.push(unwrap(e.slice(start)));
  return terms;
};

/**
 * The tenant of the transaction: the helper, called or read once per
 * statement through a sub-select. Reading the setting directly does not
 * count: a session-level value would then open every later transaction
 * (only the helper checks that the current transaction bound it).
 */
const isTenant = (term: string): boolean => {
  const name = TENANT_FUNCTION.replace('()', '');
  return term === TENANT_FUNCTION || term === `SELECT ${TENANT_FUNCTION} AS ${name}`;
};

/**
 * The expression holds only for rows of the transaction's tenant: one of its
 * top-level AND terms is `customer_id = <tenant>`. Whatever the other terms
 * say, they can only narrow it; an OR around the equality could widen it and
 * does not count.
 */
export const boundToTenant = (expression: string | null): boolean =>
  expression !== null &&
  conjuncts(expression).some((term) => {
    const equality = /^customer_id = (.+)$/.exec(term) ?? /^(.+) = customer_id$/.exec(term);
    return equality !== null && isTenant(unwrap(equality[1] as string));
  });

/**
 * Reads and writes limited to the tenant: a permissive SELECT/ALL policy
 * whose USING is bound to the tenant, a permissive INSERT/ALL policy whose
 * WITH CHECK (for ALL, USING when there is none) is, and no permissive policy
 * the application role is subject to with an expression that is not:
 * permissive policies are ORed, so one `USING (true)` opens every tenant.
 */
export const checkTenantPolicies = async (
  db: SqlSession,
  tables: readonly TenantTable[],
  appRole: string,
  fileOf: FileOfTable,
): Promise<DatabaseCheckOutcome[]> => {
  const policies = await db.query<PolicyRow>(
    `SELECT p.polrelid::int AS oid, p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
            (0::oid = ANY (p.polroles) OR EXISTS (
               SELECT 1 FROM unnest(p.polroles) r(oid) WHERE r.oid <> 0 AND pg_has_role($1::name, r.oid, 'MEMBER')
            )) AS "appliesToApp",
            pg_get_expr(p.polqual, p.polrelid) AS using,
            pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_policy p
      ORDER BY p.polrelid, p.polname`,
    [appRole],
  );
  return tables.map((t) => {
    const own = policies.filter((p) => p.oid === t.oid && p.permissive && p.appliesToApp);
    const problems: string[] = [];
    const reads = own.filter((p) => (p.cmd === 'r' || p.cmd === '*') && boundToTenant(p.using));
    const writes = own.filter(
      (p) => (p.cmd === 'a' || p.cmd === '*') && boundToTenant(p.check ?? (p.cmd === '*' ? p.using : null)),
    );
    if (reads.length === 0) problems.push('no policy limits reads (USING) to the tenant');
    if (writes.length === 0) problems.push('no policy limits inserts (WITH CHECK) to the tenant');
    for (const p of own) {
      if (p.using !== null && !boundToTenant(p.using))
        problems.push(`policy ${p.name} (${COMMAND[p.cmd] ?? p.cmd}) USING (${p.using}) ignores the tenant`);
      if (p.check !== null && !boundToTenant(p.check))
        problems.push(`policy ${p.name} (${COMMAND[p.cmd] ?? p.cmd}) WITH CHECK (${p.check}) ignores the tenant`);
    }
    const names = own.map((p) => `${p.name} (${COMMAND[p.cmd] ?? p.cmd})`).join(', ');
    return {
      ruleId: 'tenant-tables-policies-bound-to-tenant',
      subject: tableSubject(t),
      status: problems.length ? 'failed' : 'passed',
      detail: problems.length
        ? problems.join('; ')
        : `reads and writes bound to ${TENANT_FUNCTION} by ${names || '(none)'}`,
      file: fileOf(t.name),
    };
  });
};

interface RoleRow {
  readonly name: string;
  readonly superuser: boolean;
  readonly bypassRls: boolean;
}

/** Not superuser, no BYPASSRLS, and no such role it can SET ROLE to. */
export const checkAppRolePrivileges = async (db: SqlSession, appRole: string): Promise<DatabaseCheckOutcome> => {
  const roles = await db.query<RoleRow & { self: boolean }>(
    `SELECT r.rolname AS name, r.rolsuper AS superuser, r.rolbypassrls AS "bypassRls", r.rolname = $1 AS self
       FROM pg_roles r
      WHERE r.rolname = $1 OR (pg_has_role($1::name, r.oid, 'MEMBER') AND (r.rolsuper OR r.rolbypassrls))
      ORDER BY r.rolname`,
    [appRole],
  );
  const self = roles.find((r) => r.self);
  const problems = !self
    ? [`role ${appRole} does not exist`]
    : [
        self.superuser ? 'is SUPERUSER' : '',
        self.bypassRls ? 'has BYPASSRLS' : '',
        ...roles
          .filter((r) => !r.self)
          .map((r) => `is a member of ${r.name}, which ${r.superuser ? 'is SUPERUSER' : 'has BYPASSRLS'}`),
      ].filter(Boolean);
  return {
    ruleId: 'app-role-not-privileged',
    subject: `role ${appRole}`,
    status: problems.length ? 'failed' : 'passed',
    detail: problems.length ? problems.join('; ') : 'NOSUPERUSER, NOBYPASSRLS, no membership in such a role',
    file: 'sql/0000_roles.sql',
  };
};

/** Owns nothing (an owner can turn RLS off or drop policies) and cannot act as a table owner. */
export const checkAppRoleOwnsNothing = async (
  db: SqlSession,
  tables: readonly TenantTable[],
  appRole: string,
): Promise<DatabaseCheckOutcome> => {
  const owned = await db.query<{ kind: string; name: string }>(
    `WITH app AS (SELECT oid FROM pg_roles WHERE rolname = $1)
     SELECT 'relation' AS kind, relname::text AS name FROM pg_class WHERE relowner = (SELECT oid FROM app)
     UNION ALL SELECT 'function', proname::text FROM pg_proc WHERE proowner = (SELECT oid FROM app)
     UNION ALL SELECT 'schema', nspname::text FROM pg_namespace WHERE nspowner = (SELECT oid FROM app)
     UNION ALL SELECT 'type', typname::text FROM pg_type WHERE typowner = (SELECT oid FROM app)
     ORDER BY 1, 2`,
    [appRole],
  );
  const owners = [...new Set(tables.map((t) => t.owner))].sort();
  const memberOf = (
    await Promise.all(
      owners.map(async (owner) => {
        const [row] = await db.query<{ member: boolean }>(
          `SELECT pg_has_role($1::name, $2::name, 'MEMBER') AS member`,
          [appRole, owner],
        );
        return row?.member ? [owner] : [];
      }),
    )
  ).flat();
  const problems = [
    ...owned.map((o) => `owns ${o.kind} ${o.name}`),
    ...memberOf.map((owner) =>
      owner === appRole ? 'owns a customer-data table' : `is a member of table owner ${owner}`,
    ),
  ];
  return {
    ruleId: 'app-role-owns-nothing',
    subject: `role ${appRole}`,
    status: problems.length ? 'failed' : 'passed',
    detail: problems.length
      ? problems.join('; ')
      : `owns nothing; customer-data tables are owned by ${owners.join(', ') || '(none)'}, which it is not a member of`,
    file: 'sql/0000_roles.sql',
  };
};

/**
 * Every function of the schema (extension members aside) pins search_path,
 * names pg_temp (last; unnamed it is searched first) and not "$user".
 */
export const checkFunctionsPinSearchPath = async (
  db: SqlSession,
  fileOf: FileOfTable,
): Promise<DatabaseCheckOutcome[]> => {
  const functions = await db.query<{ name: string; path: string | null }>(
    `SELECT p.oid::regprocedure::text AS name,
            (SELECT substr(c, length('search_path=') + 1) FROM unnest(p.proconfig) c WHERE c LIKE 'search\\_path=%') AS path
       FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1`,
  );
  const file = fileOf('customers');
  if (functions.length === 0)
    return [
      {
        ruleId: 'functions-pin-search-path',
        subject: 'functions',
        status: 'failed',
        detail: 'no function found',
        file,
      },
    ];
  return functions.map((f) => {
    const pinned = f.path !== null && /(^|[\s,])pg_temp\s*$/.test(f.path) && !f.path.includes('$user');
    return {
      ruleId: 'functions-pin-search-path',
      subject: `function ${f.name}`,
      status: pinned ? 'passed' : 'failed',
      detail: pinned
        ? `search_path = ${f.path}`
        : f.path === null
          ? "search_path not pinned: the caller's path (pg_temp first) resolves its names"
          : `search_path = ${f.path} does not end with pg_temp or names "$user"`,
      file,
    };
  });
};

/**
 * Planner statistics of search terms are withheld (sql/0012): the target of
 * chunk_terms.term is 0, so ANALYZE gathers nothing an EXPLAIN could reveal
 * about other tenants' words. pg_attribute is readable by every role.
 */
export const checkTermStatisticsWithheld = async (db: SqlSession, file: string): Promise<DatabaseCheckOutcome> => {
  const [row] = await db.query<{ target: number | null }>(
    `SELECT a.attstattarget::int AS target
       FROM pg_attribute a
      WHERE a.attrelid = to_regclass('chunk_terms') AND a.attname = 'term' AND NOT a.attisdropped`,
  );
  if (!row)
    return {
      ruleId: 'term-statistics-withheld',
      subject: 'chunk_terms.term',
      status: 'failed',
      detail: 'no chunk_terms.term column',
      file,
    };
  const withheld = row.target === 0;
  return {
    ruleId: 'term-statistics-withheld',
    subject: 'chunk_terms.term',
    status: withheld ? 'passed' : 'failed',
    detail: withheld
      ? 'statistics target 0: every term is estimated alike'
      : `statistics target ${row.target ?? 'default'}: ANALYZE gathers most-common terms over every tenant's rows, and EXPLAIN estimates reveal them`,
    file,
  };
};
