import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { cachedDatabase, cachedGuard } from '../../src/guardrails/compliance/cached-checks.js';
import { cachedRehearsal, startSdkSteps } from '../../src/guardrails/compliance/cached-rehearsal.js';
import { openResultCache, type ResultCache } from '../../src/guardrails/compliance/result-cache.js';
import { checkApp, newComplianceApp } from '../../src/guardrails/compliance/run.js';
import { sdkStepsCheck, sdkStepsInputsOf } from '../../src/guardrails/deployability/sdk-steps.js';

/**
 * Never a stale pass: each input of a cached check (template, rule file,
 * tool version, migration, blueprint, acknowledgement) is changed in turn,
 * and the check is seen to run again (a miss) with the new verdict, while
 * unchanged inputs are answered from the cache (a hit) with the same one.
 */

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));
/** A scratch folder holding a copy of the example blueprint (tests edit the copy). */
const withBlueprintCopy = (prefix: string) => {
  const dir = temp(prefix);
  const blueprintDir = join(dir, 'blueprint');
  cpSync('blueprint', blueprintDir, { recursive: true });
  return { dir, blueprintDir };
};
const stats = (cache: ResultCache, layer: string) => ({ ...(cache.stats.get(layer) ?? { hits: 0, misses: 0 }) });

const bucketTemplate = (versioned: boolean, name = 'Bucket') =>
  JSON.stringify({
    Resources: {
      [name]: {
        Type: 'AWS::S3::Bucket',
        Properties: versioned ? { VersioningConfiguration: { Status: 'Enabled' } } : {},
      },
    },
  });

const versioningRule = (status: string) => `
rule test_bucket_versioned when Resources.*[ Type == 'AWS::S3::Bucket' ] !empty {
  Resources.*[ Type == 'AWS::S3::Bucket' ].Properties.VersioningConfiguration.Status == '${status}'
  <<
    [TEST.VERSIONING]: buckets keep versions
  >>
}
`;

describe('result cache: cfn-guard', () => {
  const dir = temp('guard-cache-');
  const ruleFile = join(dir, 'versioning.guard');
  const templates = [join(dir, 'A.template.json'), join(dir, 'B.template.json')];
  const cacheDir = join(dir, 'cache');
  const statusOf = (results: Awaited<ReturnType<typeof cachedGuard>>) =>
    results.map((r) => r.statuses.get('test_bucket_versioned'));
  const run = async (cache: ResultCache, tool?: string) =>
    statusOf(await cachedGuard(cache, { ruleFiles: [ruleFile], templates, ...(tool ? { tool } : {}) }));

  it('answers unchanged templates from the cache and re-runs what a template, rule file, tool or --no-cache changes', async () => {
    writeFileSync(ruleFile, versioningRule('Enabled'));
    writeFileSync(templates[0] as string, bucketTemplate(true));
    writeFileSync(templates[1] as string, bucketTemplate(false, 'Other'));

    const cold = openResultCache(cacheDir);
    expect(await run(cold)).toEqual(['PASS', 'FAIL']);
    expect(stats(cold, 'guard')).toEqual({ hits: 0, misses: 2 });

    const warm = openResultCache(cacheDir);
    expect(await run(warm)).toEqual(['PASS', 'FAIL']);
    expect(stats(warm, 'guard')).toEqual({ hits: 2, misses: 0 });

    // A template: only that one runs again, and its new verdict is reported.
    writeFileSync(templates[1] as string, bucketTemplate(true, 'Other'));
    const oneTemplate = openResultCache(cacheDir);
    expect(await run(oneTemplate)).toEqual(['PASS', 'PASS']);
    expect(stats(oneTemplate, 'guard')).toEqual({ hits: 1, misses: 1 });

    // A rule file: every template runs again.
    writeFileSync(ruleFile, versioningRule('Suspended'));
    const rules = openResultCache(cacheDir);
    expect(await run(rules)).toEqual(['FAIL', 'FAIL']);
    expect(stats(rules, 'guard')).toEqual({ hits: 0, misses: 2 });

    // Another cfn-guard build: every template runs again.
    const tool = openResultCache(cacheDir);
    expect(await run(tool, 'cfn-guard 9.9.9')).toEqual(['FAIL', 'FAIL']);
    expect(stats(tool, 'guard')).toEqual({ hits: 0, misses: 2 });

    // --no-cache: everything runs though every entry is stored.
    const noCache = openResultCache(cacheDir, { read: false });
    expect(await run(noCache)).toEqual(['FAIL', 'FAIL']);
    expect(stats(noCache, 'guard')).toEqual({ hits: 0, misses: 2 });
  });
});

describe('result cache: the database layer', () => {
  it('re-runs the database checks when a migration changes, and reports the new verdict', async () => {
    const migrationsDir = temp('db-cache-sql-');
    for (const name of readdirSync('sql').filter((n) => n.endsWith('.sql')))
      copyFileSync(join('sql', name), join(migrationsDir, name));
    const cacheDir = temp('db-cache-');
    const failed = (e: Awaited<ReturnType<typeof cachedDatabase>>) =>
      e.outcomes.filter((o) => o.status === 'failed').map((o) => o.ruleId);

    const cold = openResultCache(cacheDir);
    const first = await cachedDatabase(cold, { migrationsDir });
    expect(stats(cold, 'database')).toEqual({ hits: 0, misses: 1 });
    expect(failed(first)).toEqual([]);

    const warm = openResultCache(cacheDir);
    expect(await cachedDatabase(warm, { migrationsDir })).toEqual(first);
    expect(stats(warm, 'database')).toEqual({ hits: 1, misses: 0 });

    writeFileSync(
      join(migrationsDir, '0999_unforced.sql'),
      'ALTER TABLE communications NO FORCE ROW LEVEL SECURITY;\n',
    );
    const changed = openResultCache(cacheDir);
    const second = await cachedDatabase(changed, { migrationsDir });
    expect(stats(changed, 'database')).toEqual({ hits: 0, misses: 1 });
    expect(failed(second)).toContain('tenant-tables-rls-forced');
  }, 180_000);
});

describe('result cache: the deploy rehearsal', () => {
  it('re-runs cfn-lint for a changed template or cfn-lint version, and the rehearsal for a changed blueprint', async () => {
    const { dir: outdir, blueprintDir } = withBlueprintCopy('rehearsal-cache-');
    const assembly = join(outdir, 'assembly');
    mkdirSync(assembly);
    writeFileSync(join(assembly, 'A.template.json'), bucketTemplate(true));
    writeFileSync(join(assembly, 'B.template.json'), bucketTemplate(false));
    const cacheDir = join(outdir, 'cache');
    const tools = { cfnLint: '1.51.0', moto: '-', cfnLintInPython3: false };
    const rehearse = (cache: ResultCache, cfnLint = tools.cfnLint) =>
      cachedRehearsal(cache, assembly, { blueprintDir, sdk: false, tools: { ...tools, cfnLint } });

    const cold = openResultCache(cacheDir);
    const first = await rehearse(cold);
    expect(stats(cold, 'rehearsal')).toEqual({ hits: 0, misses: 1 });
    expect(stats(cold, 'cfn-lint')).toEqual({ hits: 0, misses: 2 });

    expect(stats(cold, 'simulations')).toEqual({ hits: 0, misses: 1 });

    const warm = openResultCache(cacheDir);
    expect(await rehearse(warm)).toEqual(first);
    expect(stats(warm, 'rehearsal')).toEqual({ hits: 1, misses: 0 });

    // A template with a cfn-lint error: cfn-lint runs on it alone, and the error is a finding.
    writeFileSync(
      join(assembly, 'B.template.json'),
      JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: 1 } } } }),
    );
    const template = openResultCache(cacheDir);
    const broken = await rehearse(template);
    expect(stats(template, 'rehearsal')).toEqual({ hits: 0, misses: 1 });
    expect(stats(template, 'cfn-lint')).toEqual({ hits: 1, misses: 1 });
    expect(broken.checks.find((c) => c.check === 'schema')?.findings.map((f) => f.template)).toContain(
      'B.template.json',
    );

    // Another cfn-lint version: every template is linted again.
    const version = openResultCache(cacheDir);
    await rehearse(version, '9.9.9');
    expect(stats(version, 'cfn-lint')).toEqual({ hits: 0, misses: 2 });

    // The blueprint: the rehearsal runs again, cfn-lint answers from the cache.
    writeFileSync(join(blueprintDir, 'organization.yaml'), '# changed\n', { flag: 'a' });
    const blueprint = openResultCache(cacheDir);
    await rehearse(blueprint);
    expect(stats(blueprint, 'rehearsal')).toEqual({ hits: 0, misses: 1 });
    expect(stats(blueprint, 'cfn-lint')).toEqual({ hits: 2, misses: 0 });
    // The kept IAM simulations (keyed by the project's code) answer the rehearsal that runs again.
    expect(stats(blueprint, 'simulations')).toEqual({ hits: 1, misses: 0 });
  }, 180_000);
});

describe('result cache: acknowledgements', () => {
  /** One stack with an unlogged bucket; `acknowledged` adds a reviewed acknowledgement of AwsSolutions-S1 on it. */
  const check = async (cache: ResultCache, acknowledged: boolean) => {
    const app = newComplianceApp({ outdir: temp('ack-cache-') });
    const stack = new Stack(app, 'Acks', { env: { account: '111111111111', region: 'us-east-1' } });
    const bucket = new s3.Bucket(stack, 'Bucket');
    if (acknowledged)
      Validations.of(bucket).acknowledge({ id: 'AwsSolutions::AwsSolutions-S1', reason: 'test: logs elsewhere' });
    const report = await checkApp(app, { database: false, cache });
    return report.findings.find((f) => f.ruleId === 'AwsSolutions-S1')?.status;
  };

  it('applies a changed acknowledgement on every run: a cached result never keeps a withdrawn acceptance', async () => {
    const cacheDir = temp('ack-cache-results-');
    const first = openResultCache(cacheDir);
    expect(await check(first, true)).toBe('acknowledged');
    const second = openResultCache(cacheDir);
    expect(await check(second, false)).toBe('failed');
    // cfn-guard's verdicts on the template were reused or re-run by its content; the acknowledgement decided.
    expect((second.stats.get('guard')?.hits ?? 0) + (second.stats.get('guard')?.misses ?? 0)).toBe(1);
  }, 120_000);
});

describe('result cache: the SDK steps', () => {
  it('answer what they do not read from the cache and run again, emulator and all, for what they read', async () => {
    const { dir, blueprintDir } = withBlueprintCopy('sdk-steps-cache-');
    const cacheDir = join(dir, 'cache');
    const steps = async (cache: ResultCache) =>
      (await startSdkSteps(cache, blueprintDir, sdkStepsInputsOf(blueprintDir))).outcome;
    const edit = (slug: string, from: RegExp, to: string) => {
      const file = join(blueprintDir, 'customers', `${slug}.yaml`);
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(from);
      writeFileSync(file, text.replace(from, to));
    };

    const cold = openResultCache(cacheDir);
    const first = await steps(cold);
    expect(stats(cold, 'sdk-steps')).toEqual({ hits: 0, misses: 1 });
    expect(first.skipped).toBeUndefined();
    expect(first.findings).toEqual([]);

    const warm = openResultCache(cacheDir);
    expect(await steps(warm)).toEqual(first);
    expect(stats(warm, 'sdk-steps')).toEqual({ hits: 1, misses: 0 });

    // Retention of a vended and of a pooled customer reaches no step: answered from the cache, and the steps run
    // afresh on the changed blueprint say the same (the key leaves out only what the steps do not read).
    edit('acme-capital', /^retentionDays: \d+/m, 'retentionDays: 3000');
    edit('cobalt-advisors', /^retentionDays: \d+/m, 'retentionDays: 2000');
    const unread = openResultCache(cacheDir);
    expect(await steps(unread)).toEqual(first);
    expect(stats(unread, 'sdk-steps')).toEqual({ hits: 1, misses: 0 });
    expect(await sdkStepsCheck({ blueprintDir })).toEqual(first);

    // What the steps read runs them again: a vended customer's account name (layout, drift) ...
    edit('acme-capital', /^displayName: .*/m, 'displayName: Acme Capital Holdings');
    const renamed = openResultCache(cacheDir);
    const again = await steps(renamed);
    expect(stats(renamed, 'sdk-steps')).toEqual({ hits: 0, misses: 1 });
    expect(again.findings).toEqual([]);
    expect(again.notes).toContainEqual(expect.stringMatching(/^moto_server \S+; organization seeded/));
    // ... and anything in the file of a customer vend still has to create (vend writes that file).
    edit('borealis-health', /^retentionDays: \d+/m, 'retentionDays: 2200');
    const pending = openResultCache(cacheDir);
    await steps(pending);
    expect(stats(pending, 'sdk-steps')).toEqual({ hits: 0, misses: 1 });
  }, 240_000);
});
