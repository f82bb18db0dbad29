import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import type { DatabaseCheckOutcome, DatabaseEvidence } from '../compliance/model.js';
import { REPO_ROOT } from '../paths.js';
import {
  checkAppRoleOwnsNothing,
  checkAppRolePrivileges,
  checkFunctionsPinSearchPath,
  checkRlsForced,
  checkTenantPolicies,
  checkTermStatisticsWithheld,
  type FileOfTable,
  tenantTables,
} from './catalog-checks.js';
import {
  probeHeldRecordsSurviveDisposition,
  probeLegalHold,
  probeNoTenantInserts,
  probeNoTenantReads,
  probeSessionTenant,
  probeTemporaryObjects,
  seedProbeTenant,
} from './probes.js';
import type { DatabaseRuleId } from './rules.js';
import { postgresFailure, type SqlSession } from './session.js';

/** Where the compliance run's database checks get their schema. */
export interface DatabaseCheckOptions {
  /** Folder of `NNNN_name.sql` migrations. @default the repository's `sql/` */
  readonly migrationsDir?: string;
  /**
   * Folder of migrated PGlite templates (keyed by the migrations' content and
   * the PGlite version): a warm cache opens in ~1 s instead of initdb plus
   * migrations (~6 s). `false`: always apply the migrations to a fresh database.
   * @default DEFAULT_PGLITE_TEMPLATE_CACHE (shared with the test harness)
   */
  readonly templateCache?: string | false;
}

/** The template folder the test harness uses too, so a warm cache serves both. */
export const DEFAULT_PGLITE_TEMPLATE_CACHE = join(tmpdir(), 'panops-pglite-templates');
const DEFAULT_MIGRATIONS_DIR = join(REPO_ROOT, 'sql');
const ROLES_FILE = 'sql/0000_roles.sql';
const TEMPORARY_FILE = 'sql/0007_no_temporary_objects.sql';
const STATISTICS_FILE = 'sql/0012_planner_statistics.sql';

const repoRelative = (path: string): string => relative(REPO_ROOT, path).split(sep).join('/');

/** The migration file that creates each table (first `CREATE TABLE name`), else the folder. */
const fileOfTable =
  (dir: string, sources: readonly { name: string; text: string }[]): FileOfTable =>
  (table) => {
    const creates = new RegExp(`CREATE\\s+TABLE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?(public\\.)?"?${table}"?[\\s(]`, 'i');
    const found = sources.find((s) => creates.test(s.text));
    return repoRelative(found ? join(dir, found.name) : dir);
  };

const require = createRequire(import.meta.url);
/** The installed PGlite version (its package.json is not exported, so walk up from its entry point). */
export const pgliteVersion = (): string => {
  try {
    let dir = dirname(require.resolve('@electric-sql/pglite'));
    while (dir !== dirname(dir)) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version: string };
        if (pkg.name === '@electric-sql/pglite') return pkg.version;
      }
      dir = dirname(dir);
    }
  } catch {
    // Reported as unknown below.
  }
  return 'unknown';
};

/** Evidence of a run that was told to leave the database out. */
export const skippedDatabaseEvidence = (options: DatabaseCheckOptions = {}): DatabaseEvidence => ({
  status: 'skipped',
  migrationsDir: `${repoRelative(options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR)}/`,
  migrations: [],
  skipped: [],
  appRole: 'panops_app',
  outcomes: [],
});

/** Runs one check; a query that fails outright (a role or table missing) is a failed outcome of that check, not a crash. */
const guarded = async (
  ruleId: DatabaseRuleId,
  subject: string,
  file: string,
  run: () => Promise<DatabaseCheckOutcome[]>,
): Promise<DatabaseCheckOutcome[]> => {
  try {
    return await run();
  } catch (error) {
    return [
      { ruleId, subject, status: 'failed', detail: `the check could not run: ${postgresFailure(error).message}`, file },
    ];
  }
};

/** Every catalog check and behavioural probe, on a session that is the application role. */
export const checkTenantIsolation = async (
  db: SqlSession,
  appRole: string,
  fileOf: FileOfTable,
): Promise<DatabaseCheckOutcome[]> => {
  const tables = await tenantTables(db);
  const role = `role ${appRole}`;
  const outcomes: DatabaseCheckOutcome[] = [
    ...checkRlsForced(tables, fileOf),
    ...(await guarded('tenant-tables-policies-bound-to-tenant', 'policies', fileOf('customers'), () =>
      checkTenantPolicies(db, tables, appRole, fileOf),
    )),
    ...(await guarded('app-role-not-privileged', role, ROLES_FILE, async () => [
      await checkAppRolePrivileges(db, appRole),
    ])),
    ...(await guarded('app-role-owns-nothing', role, ROLES_FILE, async () => [
      await checkAppRoleOwnsNothing(db, tables, appRole),
    ])),
  ];
  const seedProblem = await seedProbeTenant(db, tables);
  outcomes.push(...(await probeNoTenantReads(db, tables, fileOf)));
  if (seedProblem)
    outcomes.push({
      ruleId: 'no-tenant-reads-nothing',
      subject: 'probe tenant',
      status: 'failed',
      detail: `${seedProblem}: the zero-row reads prove nothing without a row to hide`,
      file: fileOf('customers'),
    });
  outcomes.push(...(await probeNoTenantInserts(db, tables, fileOf)));
  outcomes.push(await probeSessionTenant(db, tables, fileOf));
  outcomes.push(await probeTemporaryObjects(db, TEMPORARY_FILE));
  outcomes.push(await probeLegalHold(db, tables, fileOf));
  outcomes.push(await probeHeldRecordsSurviveDisposition(db, tables, fileOf));
  outcomes.push(
    ...(await guarded('term-statistics-withheld', 'chunk_terms.term', STATISTICS_FILE, async () => [
      await checkTermStatisticsWithheld(db, STATISTICS_FILE),
    ])),
  );
  outcomes.push(
    ...(await guarded('functions-pin-search-path', 'functions', fileOf('customers'), () =>
      checkFunctionsPinSearchPath(db, fileOf),
    )),
  );
  return outcomes;
};

/**
 * Applies the migrations to an embedded PostgreSQL (PGlite, in memory) as
 * its administrator, switches the session to the application role, and
 * checks tenant isolation from the catalog and by probing. A migration that
 * fails is itself a failed outcome: the report is always written.
 */
export const runDatabaseChecks = async (options: DatabaseCheckOptions = {}): Promise<DatabaseEvidence> => {
  const dir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  // Loaded only when the checks run: a skipped run never pays for PGlite's WASM.
  const [{ openPgliteDatabase }, { readMigrationSources }] = await Promise.all([
    import('../../services/db/pglite.js'),
    import('../../services/db/migrations.js'),
  ]);
  const sources = readMigrationSources(dir);
  const base = { ...skippedDatabaseEvidence(options), status: 'evaluated' as const };
  const templateCache = options.templateCache ?? DEFAULT_PGLITE_TEMPLATE_CACHE;
  let db: Awaited<ReturnType<typeof openPgliteDatabase>>;
  try {
    db = await openPgliteDatabase({ migrations: sources, ...(templateCache ? { templateCache } : {}) });
  } catch (error) {
    return {
      ...base,
      outcomes: [
        {
          ruleId: 'migrations-apply',
          subject: 'migrations',
          status: 'failed',
          detail: error instanceof Error ? error.message : String(error),
          file: repoRelative(dir),
        },
      ],
    };
  }
  try {
    const [{ version } = { version: 'unknown' }] = (
      await db.pglite.query<{ version: string }>(`SELECT current_setting('server_version') AS version`)
    ).rows;
    const session: SqlSession = {
      query: async (text, params) => (await db.pglite.query(text, [...(params ?? [])])).rows as never,
    };
    const { applied, alreadyApplied, skipped } = db.migrations;
    return {
      ...base,
      engine: `PGlite ${pgliteVersion()} (PostgreSQL ${version}), in memory`,
      migrations: [...applied, ...alreadyApplied].sort(),
      skipped: skipped.map((s) => `${s.name} (needs ${s.missingExtensions.join(', ')})`),
      appRole: db.appRole,
      outcomes: [
        {
          ruleId: 'migrations-apply',
          subject: 'migrations',
          status: 'passed',
          detail: `${applied.length + alreadyApplied.length} of ${sources.length} file(s) applied${skipped.length ? `, ${skipped.length} skipped (extension missing)` : ''}`,
          file: repoRelative(dir),
        },
        ...(await checkTenantIsolation(session, db.appRole, fileOfTable(dir, sources))),
      ],
    };
  } finally {
    await db.close();
  }
};
