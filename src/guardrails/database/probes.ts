import type { DatabaseCheckOutcome } from '../compliance/model.js';
import type { FileOfTable, TenantTable } from './catalog-checks.js';
import { tableSubject } from './catalog-checks.js';
import { PROBE_CUSTOMER_ID, TENANT_BINDER, TENANT_SETTING } from './rules.js';
import { failureOf, postgresFailure, type SqlSession } from './session.js';

const quoted = (t: Pick<TenantTable, 'schema' | 'name'>): string =>
  `"${t.schema.replaceAll('"', '""')}"."${t.name.replaceAll('"', '""')}"`;

/** SQLSTATE 42501 with PostgreSQL's row-level security wording: refused by a policy, not by a grant. */
const refusedByRls = (code: string, message: string): boolean =>
  code === '42501' && /row-level security/i.test(message);

/**
 * Creates the probe tenant's own `customers` row the way the application
 * does (tenant set for the transaction only), so the no-tenant read of
 * `customers` has a row it must not see. Returns what went wrong, if anything.
 */
export const seedProbeTenant = async (db: SqlSession, tables: readonly TenantTable[]): Promise<string | undefined> => {
  const customers = tables.find((t) => t.name === 'customers');
  if (!customers) return 'no customers table to seed';
  const failure = await failureOf(async () => {
    await db.query('BEGIN');
    try {
      await db.query(`SELECT ${TENANT_BINDER}($1::uuid)`, [PROBE_CUSTOMER_ID]);
      await db.query(`INSERT INTO ${quoted(customers)} (customer_id, slug, display_name) VALUES ($1, $2, $3)`, [
        PROBE_CUSTOMER_ID,
        'panops-compliance-probe',
        'Compliance probe',
      ]);
      await db.query('COMMIT');
    } catch (error) {
      await db.query('ROLLBACK');
      throw error;
    }
  });
  return failure ? `seeding the probe tenant failed: ${failure.message}` : undefined;
};

/** Rows of a table the probe tenant sees (its transaction-local setting set), to show the no-tenant zero is not vacuous. */
const rowsForProbeTenant = async (db: SqlSession, table: TenantTable): Promise<number | undefined> => {
  try {
    await db.query('BEGIN');
    await db.query(`SELECT ${TENANT_BINDER}($1::uuid)`, [PROBE_CUSTOMER_ID]);
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoted(table)}`);
    return row?.n;
  } catch {
    return undefined;
  } finally {
    await db.query('ROLLBACK');
  }
};

/** One outcome of a rule per table, from a probe that says whether the table passed and why. */
const probeEachTable =
  (
    ruleId: string,
    probe: (db: SqlSession, table: TenantTable) => Promise<Pick<DatabaseCheckOutcome, 'status' | 'detail'>>,
  ) =>
  async (db: SqlSession, tables: readonly TenantTable[], fileOf: FileOfTable): Promise<DatabaseCheckOutcome[]> => {
    const outcomes: DatabaseCheckOutcome[] = [];
    for (const t of tables)
      outcomes.push({ ruleId, subject: tableSubject(t), ...(await probe(db, t)), file: fileOf(t.name) });
    return outcomes;
  };

/** With no tenant set, every table with customer_id reads as empty (a refused read counts as empty). */
export const probeNoTenantReads = probeEachTable('no-tenant-reads-nothing', async (db, t) => {
  const seen = await rowsForProbeTenant(db, t);
  let rows: number | undefined;
  const failure = await failureOf(async () => {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoted(t)}`);
    rows = row?.n ?? 0;
  });
  const withTenant = seen === undefined ? '' : ` (${seen} with the probe tenant set)`;
  return {
    status: failure || rows === 0 ? 'passed' : 'failed',
    detail: failure
      ? `read refused without a tenant: ${failure.message}`
      : `${rows} row(s) visible without a tenant${withTenant}`,
  };
});

/**
 * With no tenant set, inserting a row (only customer_id given) into every
 * table with customer_id is refused by row-level security. The WITH CHECK of
 * an INSERT runs before NOT NULL and CHECK constraints, so any other error
 * (or success) means the policy let the row through. Always rolled back.
 */
export const probeNoTenantInserts = probeEachTable('no-tenant-insert-refused', async (db, t) => {
  await db.query('BEGIN');
  const failure = await failureOf(() =>
    db.query(`INSERT INTO ${quoted(t)} (customer_id) VALUES ($1)`, [PROBE_CUSTOMER_ID]),
  );
  await db.query('ROLLBACK');
  const byPolicy = failure !== undefined && refusedByRls(failure.code, failure.message);
  const byGrant = failure !== undefined && failure.code === '42501' && !byPolicy;
  return {
    status: byPolicy || byGrant ? 'passed' : 'failed',
    detail: byPolicy
      ? 'refused by row-level security'
      : byGrant
        ? `refused: the application role may not insert (${failure?.message})`
        : failure
          ? `not refused by row-level security; the row reached a later check: ${failure.code} ${failure.message}`
          : 'the insert succeeded without a tenant',
  };
});

/**
 * The careless borrower: the probe tenant set for the whole session
 * (`set_config(..., false)`), and bound by panops_set_tenant in a statement
 * of its own (autocommitted). Neither may let a later transaction see the
 * probe tenant's customers row, which the bound transaction does see.
 */
export const probeSessionTenant = async (
  db: SqlSession,
  tables: readonly TenantTable[],
  fileOf: FileOfTable,
): Promise<DatabaseCheckOutcome> => {
  const customers = tables.find((t) => t.name === 'customers');
  const file = fileOf('customers');
  const outcome = (status: 'passed' | 'failed', detail: string): DatabaseCheckOutcome => ({
    ruleId: 'session-tenant-grants-nothing',
    subject: 'session-level tenant',
    status,
    detail,
    file,
  });
  if (!customers) return outcome('failed', 'no customers table to probe');
  const count = async () => {
    const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoted(customers)}`);
    return row?.n ?? 0;
  };
  const bound = (await rowsForProbeTenant(db, customers)) ?? 0;
  try {
    await db.query(`SELECT set_config($1, $2, false)`, [TENANT_SETTING, PROBE_CUSTOMER_ID]);
    const afterSessionSetting = await count();
    await db.query(`SELECT ${TENANT_BINDER}($1::uuid)`, [PROBE_CUSTOMER_ID]);
    const afterEarlierTransaction = await count();
    const leaked = afterSessionSetting + afterEarlierTransaction;
    if (bound === 0) return outcome('failed', 'the probe tenant sees no row of its own: the probe proves nothing');
    return leaked === 0
      ? outcome(
          'passed',
          `0 rows after a session-level set_config and after a tenant bound by an earlier transaction (${bound} with the tenant bound)`,
        )
      : outcome(
          'failed',
          `${afterSessionSetting} row(s) visible after a session-level set_config, ${afterEarlierTransaction} after a tenant bound by an earlier transaction`,
        );
  } catch (error) {
    return outcome('failed', `the probe could not run: ${postgresFailure(error).message}`);
  } finally {
    await db.query(`SELECT set_config($1, '', false)`, [TENANT_SETTING]).catch(() => undefined);
  }
};

/** The application role tries to create a temporary table named like a customer table (rolled back either way). */
export const probeTemporaryObjects = async (db: SqlSession, file: string): Promise<DatabaseCheckOutcome> => {
  await db.query('BEGIN');
  const failure = await failureOf(() =>
    db.query('CREATE TEMPORARY TABLE chunk_terms (customer_id uuid, term text, chunk_id uuid)'),
  );
  await db.query('ROLLBACK');
  const refused = failure?.code === '42501';
  return {
    ruleId: 'no-temporary-objects',
    subject: 'temporary tables',
    status: refused ? 'passed' : 'failed',
    detail: refused
      ? `CREATE TEMPORARY TABLE refused: ${failure?.message}`
      : failure
        ? `not refused for lack of privilege: ${failure.code} ${failure.message}`
        : 'the application role created a temporary table chunk_terms',
    file,
  };
};

/**
 * A probe on the communications table: `body` runs as the application role
 * inside one transaction bound to the probe tenant, always rolled back, and
 * returns what it proved (true: refused as it must be) with its steps. A probe
 * that cannot run fails with the database's message.
 */
const communicationsProbe =
  (
    rule: { readonly ruleId: string; readonly subject: string },
    body: (db: SqlSession, table: string, steps: string[]) => Promise<boolean>,
    after: (db: SqlSession, steps: string[], tables: readonly TenantTable[]) => Promise<boolean> = async () => true,
  ) =>
  async (db: SqlSession, tables: readonly TenantTable[], fileOf: FileOfTable): Promise<DatabaseCheckOutcome> => {
    const communications = tables.find((t) => t.name === 'communications');
    const outcome = (status: 'passed' | 'failed', detail: string): DatabaseCheckOutcome => ({
      ...rule,
      status,
      detail,
      file: fileOf('communications'),
    });
    if (!communications) return outcome('failed', 'no communications table to probe');
    const steps: string[] = [];
    let refused: boolean;
    try {
      await db.query('BEGIN');
      await db.query(`SELECT ${TENANT_BINDER}($1::uuid)`, [PROBE_CUSTOMER_ID]);
      refused = await body(db, quoted(communications), steps);
    } catch (error) {
      return outcome('failed', `the probe could not run: ${postgresFailure(error).message}`);
    } finally {
      await db.query('ROLLBACK').catch(() => undefined);
    }
    const rest = await after(db, steps, tables);
    return outcome(refused && rest ? 'passed' : 'failed', steps.join('; '));
  };

/** The held probe row's id, fixed so that the evidence (which names it) is the same on every run. */
const LEGAL_HOLD_PROBE_ID = '00000000-0000-4000-8000-000000001e9a';

/**
 * As the application role, in one transaction (rolled back): a held
 * communication of the probe tenant, then lift the hold and delete it. Both
 * must be refused, and the owner's release procedure must not be executable.
 */
export const probeLegalHold = communicationsProbe(
  { ruleId: 'legal-hold-owner-only', subject: 'legal hold' },
  async (db, table, steps) => {
    await db.query(
      `INSERT INTO ${table} (customer_id, id, platform, external_id, kind, sent_at, legal_hold)
         VALUES ($1, $2, 'probe', 'legal-hold-probe', 'email', now(), true)`,
      [PROBE_CUSTOMER_ID, LEGAL_HOLD_PROBE_ID],
    );
    const lift = await failureOf(async () => {
      await db.query(`UPDATE ${table} SET legal_hold = false WHERE external_id = 'legal-hold-probe'`);
      await db.query(`DELETE FROM ${table} WHERE external_id = 'legal-hold-probe'`);
    });
    steps.push(lift ? `lift and delete refused: ${lift.message}` : 'the hold was lifted and the row deleted');
    return lift !== undefined;
  },
  (db, steps) => releaseIsOwnersOnly(db, steps),
);

/** Whether neither release procedure is executable by the application role and legal_holds is read-only to it. */
const releaseIsOwnersOnly = async (db: SqlSession, steps: string[]): Promise<boolean> => {
  const [grant] = await db.query<{ can: boolean | null }>(
    `SELECT CASE WHEN to_regprocedure('panops_release_legal_hold(uuid, uuid[], text, text)') IS NULL THEN NULL
            ELSE has_function_privilege('panops_release_legal_hold(uuid, uuid[], text, text)', 'EXECUTE') END AS can`,
  );
  const procedure = grant?.can;
  steps.push(
    procedure === null || procedure === undefined
      ? 'no panops_release_legal_hold procedure'
      : procedure
        ? 'the application role may run panops_release_legal_hold'
        : 'panops_release_legal_hold not executable by the application role',
  );
  // Named matters (sql/0014): the release procedure is the owner's, and hold rows are read-only to the application role.
  const [matters] = await db.query<{ release: boolean | null; writable: boolean | null }>(
    `SELECT CASE WHEN to_regprocedure('panops_release_hold(uuid, text, uuid[], text, text)') IS NULL THEN NULL
            ELSE has_function_privilege('panops_release_hold(uuid, text, uuid[], text, text)', 'EXECUTE') END AS release,
            CASE WHEN to_regclass('legal_holds') IS NULL THEN NULL
            ELSE has_table_privilege('legal_holds', 'DELETE') OR has_table_privilege('legal_holds', 'UPDATE')
              OR has_table_privilege('legal_holds', 'INSERT') OR has_table_privilege('legal_holds', 'TRUNCATE') END AS writable`,
  );
  if (matters?.release !== null && matters?.release !== undefined)
    steps.push(
      matters.release
        ? 'the application role may run panops_release_hold'
        : 'panops_release_hold not executable by the application role',
    );
  if (matters?.writable !== null && matters?.writable !== undefined)
    steps.push(
      matters.writable
        ? 'the application role may write legal_holds directly'
        : 'legal_holds is read-only to the application role',
    );
  const mattersSafe = matters?.release !== true && matters?.writable !== true;
  return procedure === false && mattersSafe;
};

/** The held probe row of the disposition probe (fixed, so the evidence is the same on every run). */
const DISPOSITION_PROBE_ID = '00000000-0000-4000-8000-0000000d1590';

/**
 * Held records are never deleted (the database side). As the application
 * role, in one transaction (rolled back): a communication of the probe tenant
 * past its retention, held by a named matter (`panops_place_hold`, the way
 * `panops hold` places it), then deleted the way disposition would delete it:
 * the delete must be refused (sql/0002's trigger: a held communication
 * cannot be deleted, whoever asks). And no table with customer_id may be
 * truncated by the application role (TRUNCATE fires no row trigger).
 */
export const probeHeldRecordsSurviveDisposition = communicationsProbe(
  { ruleId: 'held-records-survive-disposition', subject: 'held record past retention' },
  async (db, table, steps) => {
    await db.query(
      `INSERT INTO ${table} (customer_id, id, platform, external_id, kind, sent_at, retention_until)
         VALUES ($1, $2, 'probe', 'disposition-probe', 'email', now() - interval '2 days', now() - interval '1 day')`,
      [PROBE_CUSTOMER_ID, DISPOSITION_PROBE_ID],
    );
    const [matters] = await db.query<{ placed: boolean }>(
      `SELECT to_regprocedure('panops_place_hold(uuid, text, uuid[], text, text)') IS NOT NULL AS placed`,
    );
    if (matters?.placed) {
      await db.query(
        `SELECT panops_place_hold($1::uuid, 'compliance-probe', ARRAY[$2::uuid], 'panops-compliance', 'held-record probe')`,
        [PROBE_CUSTOMER_ID, DISPOSITION_PROBE_ID],
      );
      steps.push('held by matter compliance-probe (panops_place_hold)');
    } else {
      await db.query(`UPDATE ${table} SET legal_hold = true WHERE id = $1`, [DISPOSITION_PROBE_ID]);
      steps.push('held (legal_hold set)');
    }
    // Its parts are held with it (sql/0015): an attachment of the held row cannot be deleted on its own.
    await db.query(
      `INSERT INTO attachments (customer_id, communication_id, ordinal, object_key, sha256)
       VALUES ($1, $2, 0, 'probe/attachment', repeat('0', 64))`,
      [PROBE_CUSTOMER_ID, DISPOSITION_PROBE_ID],
    );
    // A refused statement aborts the transaction: the savepoint keeps the probe going.
    await db.query('SAVEPOINT held_part');
    const part = await failureOf(() =>
      db.query('DELETE FROM attachments WHERE customer_id = $1 AND communication_id = $2', [
        PROBE_CUSTOMER_ID,
        DISPOSITION_PROBE_ID,
      ]),
    );
    await db.query('ROLLBACK TO SAVEPOINT held_part');
    steps.push(part ? `deleting its attachment refused: ${part.message}` : "the held row's attachment was deleted");
    const removal = await failureOf(() => db.query(`DELETE FROM ${table} WHERE id = $1`, [DISPOSITION_PROBE_ID]));
    steps.push(removal ? `delete past retention refused: ${removal.message}` : 'the held row was deleted');
    return part !== undefined && removal !== undefined;
  },
  async (db, steps, tables) => {
    const truncatable: string[] = [];
    for (const t of tables) {
      const [row] = await db.query<{ can: boolean }>(`SELECT has_table_privilege($1, 'TRUNCATE') AS can`, [quoted(t)]);
      if (row?.can) truncatable.push(t.name);
    }
    steps.push(
      truncatable.length === 0
        ? 'no table with customer_id can be truncated by the application role'
        : `the application role may truncate ${truncatable.join(', ')} (TRUNCATE fires no row trigger)`,
    );
    return truncatable.length === 0;
  },
);
