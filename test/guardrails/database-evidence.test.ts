import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../src/guardrails/compliance/model.js';
import { checkApp, newComplianceApp } from '../../src/guardrails/compliance/run.js';
import { DATABASE_RULE_IDS } from '../../src/guardrails/database/rules.js';
import { renderJunit } from '../../src/guardrails/report/junit.js';
import { renderMarkdown } from '../../src/guardrails/report/markdown.js';

const TENANT = 'tenant-row-level-isolation';

/**
 * Three deliberately broken customer-data tables on top of the real
 * migrations: RLS enabled but not forced; forced but with a policy that
 * ignores the tenant; no RLS at all.
 */
const DEFECTS_SQL = `
CREATE TABLE notes_unforced (customer_id uuid NOT NULL REFERENCES customers (customer_id), body text);
ALTER TABLE notes_unforced ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes_unforced FOR ALL
  USING (customer_id = panops_current_customer_id()) WITH CHECK (customer_id = panops_current_customer_id());
GRANT SELECT, INSERT ON notes_unforced TO "{{app_role}}";

CREATE TABLE notes_open (customer_id uuid NOT NULL REFERENCES customers (customer_id), body text);
ALTER TABLE notes_open ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes_open FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes_open FOR ALL
  USING (customer_id = panops_current_customer_id()) WITH CHECK (customer_id = panops_current_customer_id());
CREATE POLICY support_reads_everything ON notes_open FOR SELECT USING (true);
GRANT SELECT, INSERT ON notes_open TO "{{app_role}}";

CREATE TABLE notes_without_rls (customer_id uuid, body text);
GRANT SELECT, INSERT ON notes_without_rls TO "{{app_role}}";
`;

/** The repository's migrations plus one file adding the broken tables, in a temp folder. */
const migrationsWithDefects = (
  extra: Record<string, string> = { '0999_defective_tables.sql': DEFECTS_SQL },
): string => {
  const dir = mkdtempSync(join(tmpdir(), 'rls-defects-'));
  for (const name of readdirSync('sql').filter((n) => n.endsWith('.sql')))
    copyFileSync(join('sql', name), join(dir, name));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
};

/**
 * The holes of issue #18 reopened on top of the real migrations: the tenant
 * read from the raw setting (a session-level value then opens the next
 * transaction), TEMPORARY granted back, a function left on the caller's path.
 */
const REOPENED_ADMIN_SQL = `-- panops:run-as admin
DO $t$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO %I', current_database(), '{{app_role}}'); END $t$;
`;
const REOPENED_SQL = `
CREATE OR REPLACE FUNCTION panops_current_customer_id() RETURNS uuid
  LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp
  RETURN NULLIF(current_setting('app.current_customer_id', true), '')::uuid;
CREATE FUNCTION panops_unpinned_helper() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';
DROP TRIGGER communications_legal_hold_lift ON communications;
ALTER TABLE chunk_terms ALTER COLUMN term SET STATISTICS -1;
`;

/** A stack with nothing to find: every synth-time guardrail passes or has nothing to check. */
const quietApp = () => {
  const app = newComplianceApp({ outdir: mkdtempSync(join(tmpdir(), 'database-evidence-')) });
  const stack = new Stack(app, 'Quiet', { env: { account: '100000000010', region: 'us-east-1' } });
  new CfnResource(stack, 'Nothing', { type: 'AWS::CloudFormation::WaitConditionHandle' });
  return app;
};

let report: ComplianceReport;

beforeAll(async () => {
  report = await checkApp(quietApp(), { database: { migrationsDir: migrationsWithDefects(), templateCache: false } });
});

const failed = (r: ComplianceReport) =>
  r.database.outcomes
    .filter((o) => o.status === 'failed')
    .map((o) => `${o.ruleId} ${o.subject}`)
    .sort();

describe('the database layer of the compliance run', () => {
  it('a migration set with a table lacking FORCE ROW LEVEL SECURITY fails exactly the tenant-isolation guardrail', () => {
    expect(report.guardrails.filter((g) => g.status === 'fail').map((g) => g.id)).toEqual([TENANT]);
    expect(report.summary.outcome).toBe('fail');
    const unforced = report.database.outcomes.filter((o) => o.subject === 'table public.notes_unforced');
    expect(unforced.filter((o) => o.status === 'failed').map((o) => o.ruleId)).toEqual(['tenant-tables-rls-forced']);
    expect(unforced.find((o) => o.status === 'failed')?.detail).toBe('missing FORCE ROW LEVEL SECURITY');
    const finding = report.findings.find((f) => f.constructPath === 'table public.notes_unforced');
    expect(finding).toMatchObject({
      status: 'failed',
      layer: 'database',
      ruleId: 'tenant-tables-rls-forced',
      guardrails: [TENANT],
      severity: 'critical',
    });
    expect(finding?.file).toMatch(/0999_defective_tables\.sql$/);
  });

  it('fails each broken table on exactly the checks it breaks, and passes the real schema and the application role', () => {
    // notes_open's extra policy is SELECT only: inserts still meet tenant_isolation's WITH CHECK,
    // and the table is empty, so only the catalog check sees the open read.
    expect(failed(report)).toEqual([
      'no-tenant-insert-refused table public.notes_without_rls',
      'tenant-tables-policies-bound-to-tenant table public.notes_open',
      'tenant-tables-policies-bound-to-tenant table public.notes_without_rls',
      'tenant-tables-rls-forced table public.notes_unforced',
      'tenant-tables-rls-forced table public.notes_without_rls',
    ]);
    const open = report.database.outcomes.find(
      (o) => o.ruleId === 'tenant-tables-policies-bound-to-tenant' && o.subject === 'table public.notes_open',
    );
    expect(open?.detail).toContain('support_reads_everything (SELECT) USING (true) ignores the tenant');
    // The real tables are all evaluated, by every per-table check, and pass.
    const customers = report.database.outcomes.filter((o) => o.subject === 'table public.customers');
    expect(customers.map((o) => [o.ruleId, o.status])).toEqual([
      ['tenant-tables-rls-forced', 'passed'],
      ['tenant-tables-policies-bound-to-tenant', 'passed'],
      ['no-tenant-reads-nothing', 'passed'],
      ['no-tenant-insert-refused', 'passed'],
    ]);
    // The seeded probe row makes the zero-row read meaningful.
    expect(customers.find((o) => o.ruleId === 'no-tenant-reads-nothing')?.detail).toBe(
      '0 row(s) visible without a tenant (1 with the probe tenant set)',
    );
    expect(report.database.outcomes.filter((o) => o.subject.startsWith('role ')).map((o) => o.status)).toEqual([
      'passed',
      'passed',
    ]);
  });

  it('reports every database check as a rule of the tenant-isolation guardrail, with the tables in the report files', () => {
    const rules = report.rules.filter((r) => r.layer === 'database');
    expect(rules.map((r) => r.ruleId).sort()).toEqual([...DATABASE_RULE_IDS].sort());
    // The hold probes also serve held-records-never-deleted; the held-record probe serves only it.
    const HELD = 'held-records-never-deleted';
    for (const rule of rules)
      expect(rule.guardrails, rule.ruleId).toEqual(
        rule.ruleId === 'held-records-survive-disposition'
          ? [HELD]
          : rule.ruleId === 'legal-hold-owner-only'
            ? [HELD, TENANT]
            : [TENANT],
      );
    const forced = rules.find((r) => r.ruleId === 'tenant-tables-rls-forced');
    expect(forced?.totals).toMatchObject({ failed: 2 });
    expect(forced?.totals.passed).toBeGreaterThanOrEqual(10);
    const markdown = renderMarkdown(report);
    expect(markdown).toMatch(/\| tenant-tables-rls-forced \| table public\.notes_unforced \| failed \| missing FORCE/);
    expect(markdown).toMatch(/\| tenant-tables-rls-forced \| table public\.customers \| passed \|/);
    expect(renderJunit(report)).toMatch(
      /name="database tenant-tables-rls-forced table public\.notes_unforced" time="0"><failure/,
    );
  });

  it('can be skipped for fast local runs: tenant isolation is then not evaluated, and says why', async () => {
    const skipped = await checkApp(quietApp(), { database: false });
    expect(skipped.database.status).toBe('skipped');
    expect(skipped.guardrails.find((g) => g.id === TENANT)?.status).toBe('not-evaluated');
    expect(skipped.rules.filter((r) => r.layer === 'database')).toEqual([]);
    expect(renderMarkdown(skipped)).toContain('Database checks were skipped in this run (--skip-database)');
  });
});

describe('the session-leak, temporary-object, legal-hold and search_path evidence', () => {
  it('pass on the real migrations, each with a detail an auditor can read', () => {
    const outcome = (ruleId: string) => report.database.outcomes.filter((o) => o.ruleId === ruleId);
    expect(outcome('session-tenant-grants-nothing')).toEqual([
      expect.objectContaining({ status: 'passed', detail: expect.stringMatching(/^0 rows after a session-level/) }),
    ]);
    expect(outcome('no-temporary-objects')).toEqual([
      expect.objectContaining({ status: 'passed', detail: expect.stringMatching(/permission denied/) }),
    ]);
    expect(outcome('legal-hold-owner-only')).toEqual([
      expect.objectContaining({
        status: 'passed',
        detail: expect.stringMatching(
          /^lift and delete refused: .*legal hold.*panops_release_hold not executable by the application role; legal_holds is read-only to the application role$/,
        ),
      }),
    ]);
    expect(outcome('held-records-survive-disposition')).toEqual([
      expect.objectContaining({
        status: 'passed',
        subject: 'held record past retention',
        detail: expect.stringMatching(
          /^held by matter compliance-probe \(panops_place_hold\); deleting its attachment refused: .*legal hold; delete past retention refused: .*legal hold; no table with customer_id can be truncated by the application role$/,
        ),
      }),
    ]);
    const functions = outcome('functions-pin-search-path');
    expect(functions.map((o) => o.subject)).toEqual(
      expect.arrayContaining(['function panops_current_customer_id()', 'function panops_set_tenant(uuid)']),
    );
    expect(functions.every((o) => o.status === 'passed')).toBe(true);
    expect(outcome('term-statistics-withheld')).toEqual([
      expect.objectContaining({
        status: 'passed',
        subject: 'chunk_terms.term',
        file: 'sql/0012_planner_statistics.sql',
      }),
    ]);
  });

  it('state the side channels no control closes in the tenant-isolation guardrail of the report', () => {
    const guardrail = report.guardrails.find((g) => g.id === TENANT);
    expect(guardrail?.residualRisks?.join('\n')).toMatch(/customer_id/);
    expect(guardrail?.residualRisks?.join('\n')).toMatch(/Table-level totals/);
    expect(renderMarkdown(report)).toMatch(/Residual channel: Planner statistics of customer_id/);
  });

  it('fail when a migration reopens the holes: raw session setting, TEMPORARY granted, an unpinned function, a liftable hold, term statistics', async () => {
    const reopened = await checkApp(quietApp(), {
      database: {
        migrationsDir: migrationsWithDefects({
          '0997_temporary_granted.sql': REOPENED_ADMIN_SQL,
          '0998_reopened.sql': REOPENED_SQL,
        }),
        templateCache: false,
      },
    });
    expect(failed(reopened)).toEqual([
      'functions-pin-search-path function panops_unpinned_helper()',
      'legal-hold-owner-only legal hold',
      'no-temporary-objects temporary tables',
      'session-tenant-grants-nothing session-level tenant',
      'term-statistics-withheld chunk_terms.term',
    ]);
    expect(reopened.guardrails.find((g) => g.id === TENANT)?.status).toBe('fail');
  });
});
