import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerStackName } from '../../src/app.js';
import { dedicatedCustomers, loadBlueprint } from '../../src/config/index.js';
import type { ComplianceReport } from '../../src/guardrails/compliance/model.js';
import { checkOrganization } from '../../src/guardrails/compliance/run.js';
import { blueprintSha256 } from '../../src/guardrails/evidence/provenance.js';
import { renderMarkdown } from '../../src/guardrails/report/markdown.js';
import { writeReport } from '../../src/guardrails/report/write.js';

let report: ComplianceReport;

beforeAll(async () => {
  report = await checkOrganization({
    blueprintDir: 'blueprint',
    outdir: mkdtempSync(join(tmpdir(), 'org-compliance-')),
  });
});

describe('the compliance run over the example organization', () => {
  it('checks every stack of the blueprint, each customer account as a customer', () => {
    const customers = dedicatedCustomers(loadBlueprint('blueprint'));
    const stacks = new Map(report.stacks.map((s) => [s.stack, s]));
    expect(stacks.has('PanOps-Organization')).toBe(true);
    expect(stacks.has('PanOps-SharedCompute')).toBe(true);
    for (const customer of customers) {
      const stack = stacks.get(customerStackName(customer));
      expect(stack?.kind, customer.slug).toBe('customer');
      expect(stack?.customerId).toBe(customer.id);
    }
  });

  it('the example organization passes every guardrail (no unacknowledged finding)', () => {
    const failed = report.findings
      .filter((f) => f.status === 'failed')
      .map((f) => `${f.guardrails.join(',')}: ${f.ruleId} on ${f.constructPath}`);
    expect(failed).toEqual([]);
    expect(report.summary.outcome).toBe('pass');
    expect(report.guardrails.filter((g) => g.status === 'fail').map((g) => g.id)).toEqual([]);
  });

  it('tenant isolation is evaluated on the migrated sql/ schema and passes, with evidence per table and role', () => {
    const tenant = report.guardrails.find((g) => g.id === 'tenant-row-level-isolation');
    expect(tenant?.status).toBe('pass');
    expect(tenant?.totals.evaluated).toBeGreaterThan(0);
    expect(report.database.status).toBe('evaluated');
    expect(report.database.outcomes.filter((o) => o.status === 'failed')).toEqual([]);
    const subjects = new Set(report.database.outcomes.map((o) => o.subject));
    for (const subject of ['table public.customers', 'table public.communications', 'role panops_app'])
      expect(subjects.has(subject), subject).toBe(true);
  });

  it('has a framework view: every framework, each control with its guardrails and their outcome, gaps stated', () => {
    expect(report.frameworks.map((f) => f.id)).toEqual([
      'sec-17a-4',
      'finra-4511',
      'soc2-tsc',
      'nist-800-53-r5',
      'iso-27001-2022',
    ]);
    const nist = report.frameworks.find((f) => f.id === 'nist-800-53-r5');
    const au9 = nist?.controls.find((c) => c.control === 'AU-9');
    expect(au9?.guardrails.map((g) => [g.guardrail, g.status])).toEqual([['cloudtrail-tamper-evident', 'pass']]);
    expect(au9?.guardrails[0]?.totals.evaluated).toBeGreaterThan(0);
    const undertaking = report.frameworks
      .find((f) => f.id === 'sec-17a-4')
      ?.controls.find((c) => c.control === '17a-4(f)(3)(iii)');
    expect(undertaking?.guardrails).toEqual([]);
    expect(undertaking?.gap?.coverage).toBe('none');
    for (const g of report.guardrails) expect(new Set(g.frameworks.map((r) => r.framework)).size, g.id).toBe(5);
    const md = renderMarkdown(report);
    expect(md).toContain('## Frameworks: control → guardrails → evidence');
    expect(md).toMatch(
      /\| AU-9 \| Protection of Audit Information \| \[cloudtrail-tamper-evident\]\(#guardrail-cloudtrail-tamper-evident\) \| direct \|/,
    );
    expect(md).toMatch(/\| 17a-4\(f\)\(3\)\(iii\) \| [^|]+ \| NOT COVERED \| gap \|/);
  });

  it('carries its provenance, and the written folder verifies with sha256sum -c', () => {
    expect(report.provenance?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(report.provenance?.blueprintSha256).toBe(blueprintSha256('blueprint'));
    expect(Object.keys(report.provenance?.tools ?? {})).toEqual(
      expect.arrayContaining(['node', 'aws-cdk-lib', 'cdk-nag', '@cdklabs/cdk-validator-cfnguard', 'cfn-guard']),
    );
    expect(report.provenance?.tools['cfn-guard']).toMatch(/^\d+\.\d+\.\d+$/);
    const dir = mkdtempSync(join(tmpdir(), 'org-report-'));
    writeReport(report, dir);
    const check = spawnSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.trim().split('\n')).toHaveLength(5);
    expect(renderMarkdown(report)).toContain(
      `| blueprint (blueprint) SHA-256 | ${report.provenance?.blueprintSha256} |`,
    );
  });

  it('states which isolation each database tier gives and which customers are in it', () => {
    expect(report.tiers?.map((t) => [t.tier, t.kind, t.customers])).toEqual([
      ['dedicated', 'physical and logical', ['acme-capital', 'borealis-health']],
      ['pooled', 'logical', ['cobalt-advisors']],
    ]);
    const pooled = report.tiers?.find((t) => t.tier === 'pooled');
    expect(pooled?.layers.map((l) => l.layer)).toContain('database');
    expect(renderMarkdown(report)).toContain('### pooled (logical isolation)');
  });

  it("states each customer's retention: policy, Object Lock, effective retention, the archive lifecycle as synthesized; database side not supplied", () => {
    expect(
      report.retention?.customers.map((c) => [
        c.customerSlug,
        c.tier,
        c.objectLock?.mode ?? 'none',
        c.effectiveRetentionDays,
        c.lifecycle?.stack,
        c.lifecycle?.sparesUntagged,
      ]),
    ).toEqual([
      ['acme-capital', 'dedicated', 'COMPLIANCE', 2557, 'PanOps-Customer-acme-capital', true],
      ['borealis-health', 'dedicated', 'GOVERNANCE', 2190, 'PanOps-Customer-borealis-health', true],
      ['cobalt-advisors', 'pooled', 'none', 1825, 'PanOps-PooledData', true],
    ]);
    expect(report.retention?.status).toBeUndefined();
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('## Retention and legal holds');
    expect(markdown).toMatch(/\| cobalt-advisors \| not supplied \| not supplied \|/);
    const held = report.guardrails.find((g) => g.id === 'held-records-never-deleted');
    expect(held?.status).toBe('pass');
    // Evaluated on every archive bucket: two dedicated (Object Lock) and the pooled one.
    const nag = report.rules.find((r) => r.ruleId === 'PanOps-ArchiveLifecycleSparesHeldRecords');
    expect(nag?.totals).toMatchObject({ evaluated: 3, passed: 3, failed: 0 });
    const guard = report.rules.find((r) => r.ruleId === 'panops_archive_lifecycle_spares_held_records');
    expect(guard?.stacks.map((s) => [s.stack, s.status]).sort()).toEqual([
      ['PanOps-Customer-acme-capital', 'passed'],
      ['PanOps-Customer-borealis-health', 'passed'],
      ['PanOps-PooledData', 'passed'],
    ]);
  });

  it('every acknowledgement in the code uses a prefixed id and gives a reason', () => {
    const bad = report.acknowledgements
      .filter((a) => a.problem !== undefined || !/^[^:]+::/.test(a.id) || a.reason.trim().length < 10)
      .map((a) => `${a.at}: ${a.id} (${a.problem ?? 'reason too short'})`);
    expect(bad).toEqual([]);
  });

  it('the customer accounts hold the guardrails only they carry: own trail, customer key, no internet gateway', () => {
    for (const ruleId of [
      'panops_customer_account_trail_present',
      'panops_customer_data_uses_customer_key',
      'panops_no_internet_gateway_in_customer_account',
    ]) {
      const rule = report.rules.find((r) => r.ruleId === ruleId);
      const evaluatedIn = rule?.stacks.map((s) => s.stack) ?? [];
      expect(
        evaluatedIn.every((s) => s.startsWith('PanOps-Customer-')),
        ruleId,
      ).toBe(true);
      expect(evaluatedIn.length, ruleId).toBe(dedicatedCustomers(loadBlueprint('blueprint')).length);
      expect(
        rule?.stacks.every((s) => s.status === 'passed'),
        ruleId,
      ).toBe(true);
    }
  });
});
