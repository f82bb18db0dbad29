import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { rulesExpiringUntagged, type SynthesizedLifecycleRule } from '../../src/data-plane/lifecycle-filter.js';
import { LockedBucket } from '../../src/data-plane/locked-bucket.js';
import { GUARDRAILS } from '../../src/guardrails/catalog/guardrails.js';
import { cfnGuardBinary } from '../../src/guardrails/guard/cfn-guard-binary.js';
import { ownRuleFiles } from '../../src/guardrails/guard/rule-files.js';
import { ArchiveLifecycleSparesHeldRecords } from '../../src/guardrails/nag/rules/ArchiveLifecycleSparesHeldRecords.js';
import { PooledArchive } from '../../src/pooled-data/pooled-archive.js';
import { ArchiveBucket } from '../../src/tenant/archive-bucket.js';

const { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE } = NagRuleCompliance;
const GUARD_RULE = 'panops_archive_lifecycle_spares_held_records';
const guardFile = ownRuleFiles().find((r) => r.ruleNames.includes(GUARD_RULE));

/** The archive buckets as the stacks build them: dedicated with and without Object Lock, and pooled. */
const archives = (unfiltered?: (bucket: Bucket) => void) => {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const logs = new LockedBucket(stack, 'Logs', {
    encryptionKey: new Key(stack, 'LogKey'),
    retentionDays: 30,
    serverAccessLogs: 'is-log-destination',
  });
  const key = new Key(stack, 'K');
  const buckets = {
    logs: logs.bucket,
    dedicated: new ArchiveBucket(stack, 'Plain', {
      encryptionKey: key,
      retentionDays: 30,
      serverAccessLogs: { destination: logs, prefix: 'plain/' },
    }).bucket,
    worm: new ArchiveBucket(stack, 'Worm', {
      encryptionKey: key,
      retentionDays: 30,
      objectLockMode: 'COMPLIANCE',
      serverAccessLogs: { destination: logs, prefix: 'worm/' },
    }).bucket,
    pooled: new PooledArchive(stack, 'Pooled', {
      encryptionKey: key,
      customers: [{ id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', slug: 'acme', retentionDays: 30 }],
      serverAccessLogs: { destination: logs, prefix: 'pooled/' },
    }).bucket,
  };
  if (unfiltered) for (const b of [buckets.dedicated, buckets.worm, buckets.pooled]) unfiltered(b);
  // Tags are applied by an aspect at synth; the rule runs after it.
  const template = Template.fromStack(stack).toJSON();
  const check = (b: Bucket) => ArchiveLifecycleSparesHeldRecords.check(b.node.defaultChild as CfnBucket);
  return { buckets, template, check };
};

/** cfn-guard's verdict of the held-records rule on one template. */
const guardVerdict = (template: unknown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'held-records-guard-'));
  const file = join(dir, 'template.json');
  writeFileSync(file, JSON.stringify(template));
  let out: string;
  try {
    out = execFileSync(
      cfnGuardBinary(),
      ['validate', '-r', guardFile?.path ?? '', '-d', file, '--show-summary', 'all'],
      {
        encoding: 'utf8',
      },
    );
  } catch (error) {
    out = String((error as { stdout?: string }).stdout);
  }
  return out.match(new RegExp(`${GUARD_RULE}\\s+(PASS|FAIL|SKIP)`))?.[1] ?? out;
};

describe('guardrail held-records-never-deleted, synth-time layers', () => {
  it('is in the catalog with its nag rule, its Guard rule and its database checks', () => {
    const g = GUARDRAILS.find((x) => x.id === 'held-records-never-deleted');
    expect(g?.layers.nag).toEqual(['PanOps-ArchiveLifecycleSparesHeldRecords']);
    expect(g?.layers.guard).toEqual([GUARD_RULE]);
    expect(g?.layers.database.flatMap((d) => d.rules)).toEqual([
      'held-records-survive-disposition',
      'legal-hold-owner-only',
    ]);
    expect(guardFile?.fileName).toBe('held-records-never-deleted');
  });

  it('passes our archive buckets (dedicated, WORM, pooled) and leaves other buckets alone', () => {
    const { buckets, template, check } = archives();
    expect(check(buckets.dedicated)).toBe(COMPLIANT);
    expect(check(buckets.worm)).toBe(COMPLIANT);
    expect(check(buckets.pooled)).toBe(COMPLIANT);
    expect(check(buckets.logs)).toBe(NOT_APPLICABLE);
    expect(guardVerdict(template)).toBe('PASS');
  });

  it('fails an archive bucket whose lifecycle expires objects by age, current or noncurrent, without the disposable tag', () => {
    const byAge = archives((b) => b.addLifecycleRule({ id: 'by-age', expiration: Duration.days(2557) }));
    for (const b of [byAge.buckets.dedicated, byAge.buckets.worm, byAge.buckets.pooled])
      expect(byAge.check(b)).toBe(NON_COMPLIANT);
    expect(byAge.check(byAge.buckets.logs)).toBe(NOT_APPLICABLE);
    expect(guardVerdict(byAge.template)).toBe('FAIL');

    const versions = archives((b) =>
      b.addLifecycleRule({ id: 'versions', noncurrentVersionExpiration: Duration.days(30) }),
    );
    expect(versions.check(versions.buckets.pooled)).toBe(NON_COMPLIANT);
    expect(guardVerdict(versions.template)).toBe('FAIL');

    // A disabled rule, or one that only aborts uploads, deletes no stored version.
    const harmless = archives((b) => {
      b.addLifecycleRule({ id: 'off', enabled: false, expiration: Duration.days(1) });
      b.addLifecycleRule({ id: 'uploads', abortIncompleteMultipartUploadAfter: Duration.days(3) });
    });
    expect(harmless.check(harmless.buckets.worm)).toBe(COMPLIANT);
    expect(guardVerdict(harmless.template)).toBe('PASS');
  });

  it('uses the lifecycle-filter logic: an untagged object is selected by no expiring rule that passes', () => {
    const rules: SynthesizedLifecycleRule[] = [
      {
        Id: 'disposition',
        Status: 'Enabled',
        ExpirationInDays: 1,
        TagFilters: [{ Key: 'panops:disposition', Value: 'disposable' }],
      },
      {
        Id: 'other-tag',
        Status: 'Enabled',
        ExpirationInDays: 1,
        TagFilters: [{ Key: 'panops:legal-hold', Value: 'off' }],
      },
      { Id: 'noncurrent', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 9 } },
      { Id: 'off', Status: 'Disabled', ExpirationInDays: 1 },
    ];
    expect(rulesExpiringUntagged(rules).map((r) => r.Id)).toEqual(['other-tag', 'noncurrent']);
  });
});
