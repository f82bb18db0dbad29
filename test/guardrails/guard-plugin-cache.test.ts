import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { openResultCache } from '../../src/guardrails/compliance/result-cache.js';
import { synthTimeGuardRules } from '../../src/guardrails/guard/rule-files.js';
import { guardValidatorFor } from '../../src/guardrails/guard/severity-enforcing-validator.js';
import { applyGuardrails } from '../../src/guardrails/index.js';

const PUBLIC_ACCESS_RULE = 'cdk-validator-cfnguard::s3_bucket_level_public_access_prohibited_check';

/** Buckets without block-public-access: the first one's finding acknowledged, the others' not. */
const bucketsApp = (cacheDir: string, extraBuckets = 1) => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'guard-cache-')), builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Buckets', { env: { account: '111111111111', region: 'us-east-1' } });
  const acknowledged = new s3.Bucket(stack, 'Acknowledged');
  for (let i = 0; i < extraBuckets; i++) new s3.Bucket(stack, `NotAcknowledged${i}`);
  Validations.of(acknowledged).acknowledge({ id: PUBLIC_ACCESS_RULE, reason: 'test: accepted on purpose' });
  const cache = openResultCache(cacheDir);
  applyGuardrails(app, { guardCache: cache });
  return { app, cache };
};

/** The cfn-guard section of the synthesized app's validation report, without its timings. */
const guardFindings = (app: App) => {
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
  const guard = report.pluginReports.find((r: { pluginName: string }) => r.pluginName === 'cdk-validator-cfnguard');
  // Where each construct and acknowledgement was made (stack traces of this test) differs between two apps.
  const withoutTraces = (value: unknown) =>
    JSON.parse(
      JSON.stringify(value, (key, v) => (key === 'stackTraces' || key === 'acknowledgedStackTrace' ? undefined : v)),
    );
  return withoutTraces({
    conclusion: guard.conclusion,
    violations: guard.violations,
    suppressed: guard.suppressedViolations,
  });
};

describe('the synth-time Guard check with a verdict cache (each cdk deploy step synthesizes the whole app)', () => {
  it('answers an unchanged template from the cache with the same findings: an open one still fails synth', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-cache-store-'));
    const first = bucketsApp(dir);
    expect(() => first.app.synth()).toThrow(/NotAcknowledged0/);
    expect(first.cache.stats.get('guard-plugin')).toEqual({ hits: 0, misses: 1 });

    const second = bucketsApp(dir);
    expect(() => second.app.synth()).toThrow(/NotAcknowledged0/);
    expect(second.cache.stats.get('guard-plugin')).toEqual({ hits: 1, misses: 0 });
    expect(guardFindings(second.app)).toEqual(guardFindings(first.app));
    expect(guardFindings(second.app).suppressed.length).toBeGreaterThan(0);
  }, 60_000);

  it('runs cfn-guard again for a changed template, and finds what the change added', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-cache-store-'));
    expect(() => bucketsApp(dir).app.synth()).toThrow();
    const changed = bucketsApp(dir, 2);
    expect(() => changed.app.synth()).toThrow(/NotAcknowledged1/);
    expect(changed.cache.stats.get('guard-plugin')).toEqual({ hits: 0, misses: 1 });
  }, 60_000);

  it('keys every verdict on the rule files: a rule whose text changed misses', () => {
    const dir = mkdtempSync(join(tmpdir(), 'guard-cache-store-'));
    const { app } = bucketsApp(dir);
    expect(() => app.synth()).toThrow();
    const template = join(app.outdir, 'Buckets.template.json');
    const rules = synthTimeGuardRules();
    const own = rules.find((r) => r.origin === 'panops');
    if (!own) throw new Error('no PanOps rule file');
    const edited = join(mkdtempSync(join(tmpdir(), 'guard-rules-')), `${own.fileName}.guard`);
    copyFileSync(own.path, edited);
    writeFileSync(edited, `${readFileSync(edited, 'utf8')}\n# edited\n`);

    const same = openResultCache(dir);
    guardValidatorFor(rules, same).validate({ appConstruct: app, templatePaths: [template] });
    expect(same.stats.get('guard-plugin')).toEqual({ hits: 1, misses: 0 });
    const other = openResultCache(dir);
    guardValidatorFor(
      rules.map((r) => (r === own ? { ...r, path: edited } : r)),
      other,
    ).validate({ appConstruct: app, templatePaths: [template] });
    expect(other.stats.get('guard-plugin')).toEqual({ hits: 0, misses: 1 });
  }, 60_000);
});
