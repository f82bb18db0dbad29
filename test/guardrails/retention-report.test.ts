import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Blueprint } from '../../src/config/index.js';
import type { RetentionStatus } from '../../src/contracts/retention-status.js';
import type { ComplianceReport, StackSummary } from '../../src/guardrails/compliance/model.js';
import { retentionReport } from '../../src/guardrails/compliance/retention.js';
import { RetentionStatusInvalid, readRetentionEvidence } from '../../src/guardrails/evidence/retention.js';
import { type Block, cellText } from '../../src/guardrails/report/document.js';
import { retentionBlocks } from '../../src/guardrails/report/sections/retention.js';

const dir = mkdtempSync(join(tmpdir(), 'retention-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ACME = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const BOREALIS = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
const COBALT = '5d7e9f1a-2b3c-4d5e-8f6a-7b8c9d0e1f03';

const DISPOSITION = [
  {
    Id: 'disposition',
    Status: 'Enabled',
    ExpirationInDays: 1,
    NoncurrentVersionExpiration: { NoncurrentDays: 1 },
    TagFilters: [{ Key: 'panops:disposition', Value: 'disposable' }],
  },
  {
    Id: 'housekeeping',
    Status: 'Enabled',
    AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
    ExpiredObjectDeleteMarker: true,
  },
];

/** A template holding one bucket with the given role and lifecycle rules, as a StackSummary of the run. */
const stack = (name: string, role: string, rules: unknown[], customerId?: string): StackSummary => {
  const file = join(dir, `${name}.template.json`);
  writeFileSync(
    file,
    JSON.stringify({
      Resources: {
        Bucket1: {
          Type: 'AWS::S3::Bucket',
          Properties: { Tags: [{ Key: 'panops:role', Value: role }], LifecycleConfiguration: { Rules: rules } },
        },
        Logs: { Type: 'AWS::S3::Bucket', Properties: { Tags: [{ Key: 'panops:role', Value: 'log-bucket' }] } },
      },
    }),
  );
  return {
    stack: name,
    account: '1',
    region: 'us-east-1',
    kind: customerId ? 'customer' : 'platform',
    ...(customerId ? { customerId } : {}),
    template: file,
    resources: 2,
    counts: { evaluated: 0, passed: 0, failed: 0, acknowledged: 0, notApplicable: 0 },
  };
};

const blueprint = {
  customers: [
    {
      id: ACME,
      slug: 'acme-capital',
      tier: 'dedicated',
      retentionDays: 2557,
      retentionByKind: { chat: 3000 },
      objectLock: { mode: 'COMPLIANCE' },
    },
    // A GOVERNANCE lock longer than a kind's retention: that kind is kept for the lock.
    {
      id: BOREALIS,
      slug: 'borealis-health',
      tier: 'dedicated',
      retentionDays: 2190,
      retentionByKind: { sms: 365 },
      objectLock: { mode: 'GOVERNANCE', days: 1000 },
    },
    { id: COBALT, slug: 'cobalt-advisors', tier: 'pooled', retentionDays: 1825 },
  ],
} as unknown as Blueprint;

const stacks = [
  stack('PanOps-Customer-acme-capital', 'archive-bucket', DISPOSITION, ACME),
  // A defect: this archive expires every object by age.
  stack(
    'PanOps-Customer-borealis-health',
    'archive-bucket',
    [{ Id: 'retention', Status: 'Enabled', ExpirationInDays: 2190 }],
    BOREALIS,
  ),
  stack('PanOps-PooledData', 'pooled-archive-bucket', DISPOSITION),
];

const status = (generatedAt: string, matters: number): RetentionStatus => ({
  customerId: ACME,
  customerSlug: 'acme-capital',
  generatedAt,
  policyInDatabase: [
    { platform: '*', kind: '*', retentionDays: 2557, effectiveFrom: '2026-01-01T00:00:00.000Z' },
    { platform: '*', kind: 'chat', retentionDays: 3000, effectiveFrom: '2026-01-01T00:00:00.000Z' },
  ],
  openMatters: Array.from({ length: matters }, (_, i) => ({
    matter: `SEC-2026-0${i + 1}`,
    communications: 2,
    since: '2026-11-01T09:00:00.000Z',
  })),
  held: { communications: 2, attachments: 3, recordings: 1 },
  heldPastRetention: 1,
  lastDisposition: {
    cutoff: '2026-12-01T02:17:00.000Z',
    recordedFrom: '2026-12-01T02:17:01.000Z',
    recordedTo: '2026-12-01T02:17:03.000Z',
    actor: 'job:disposition',
    batches: 2,
    deleted: { attachments: 4, communications: 3 },
    objectsReleasedToLifecycle: 7,
    idsSha256: ['aa', 'bb'],
  },
});

const tables = (blocks: Block[]) =>
  blocks.flatMap((b) => (b.kind === 'table' ? [b.rows.map((r) => r.map(cellText))] : []));

describe("the compliance report's Retention section", () => {
  const retention = retentionReport(blueprint, stacks);

  it('states per customer the policy, the lock, the effective retention (WORM: the longer of the two) and the lifecycle as synthesized', () => {
    expect(
      retention.customers.map((c) => [
        c.customerSlug,
        c.objectLock,
        c.effectiveRetentionDays,
        c.effectiveRetentionByKind,
        c.lifecycle?.sparesUntagged,
      ]),
    ).toEqual([
      ['acme-capital', { mode: 'COMPLIANCE', days: 2557 }, 2557, { chat: 3000 }, true],
      ['borealis-health', { mode: 'GOVERNANCE', days: 1000 }, 2190, { sms: 1000 }, false],
      ['cobalt-advisors', null, 1825, {}, true],
    ]);
    expect(retention.customers[2]?.lifecycle?.stack).toBe('PanOps-PooledData');
    const [synth] = tables(retentionBlocks({ retention } as unknown as ComplianceReport));
    expect(synth?.[0]).toEqual([
      'acme-capital',
      'dedicated',
      '2557 d; chat 3000 d',
      'COMPLIANCE, 2557 d',
      '2557 d; chat 3000 d (max of policy and lock)',
      'PanOps-Customer-acme-capital Bucket1: disposition: expire current after 1 d, remove noncurrent after 1 d; only tag panops:disposition=disposable; housekeeping: abort incomplete uploads after 7 d, remove expired delete markers; every object',
      'yes',
    ]);
    expect(synth?.[1]?.[6]).toBe('NO');
    expect(synth?.[2]?.slice(0, 4)).toEqual(['cobalt-advisors', 'pooled', '1825 d', 'none']);
  });

  it('says "not supplied" for the database side when no status was given', () => {
    const blocks = retentionBlocks({ retention } as unknown as ComplianceReport);
    expect(JSON.stringify(blocks)).toContain('not supplied to this run');
    const [, database] = tables(blocks);
    expect(database?.map((r) => r.slice(0, 3))).toEqual([
      ['acme-capital', 'not supplied', 'not supplied'],
      ['borealis-health', 'not supplied', 'not supplied'],
      ['cobalt-advisors', 'not supplied', 'not supplied'],
    ]);
  });

  it('shows open matters, held counts and the last disposition run from the newest status per customer', () => {
    const statusDir = join(dir, 'status');
    mkdirSync(statusDir);
    writeFileSync(join(statusDir, 'acme-old.json'), JSON.stringify(status('2026-12-01T00:00:00.000Z', 0)));
    writeFileSync(join(statusDir, 'acme-capital.json'), JSON.stringify(status('2026-12-02T00:00:00.000Z', 2)));
    const evidence = readRetentionEvidence(statusDir);
    expect(evidence.statuses.map((s) => s.generatedAt)).toEqual(['2026-12-02T00:00:00.000Z']);
    const report = { retention: { ...retention, status: evidence } } as unknown as ComplianceReport;
    const blocks = retentionBlocks(report);
    expect(JSON.stringify(blocks)).toContain(`from ${statusDir}`);
    const [, database] = tables(blocks);
    expect(database?.[0]).toEqual([
      'acme-capital',
      '2026-12-02T00:00:00.000Z',
      '*/* 2557 d, */chat 3000 d (as the blueprint)',
      'SEC-2026-01 (2, since 2026-11-01T09:00:00.000Z); SEC-2026-02 (2, since 2026-11-01T09:00:00.000Z)',
      '2, 3, 1',
      '1',
      'cutoff 2026-12-01T02:17:00.000Z, recorded 2026-12-01T02:17:01.000Z..2026-12-01T02:17:03.000Z by job:disposition: 2 batch(es), attachments 4, communications 3; 7 object(s) released to the lifecycle; ids sha256 aa, bb',
    ]);
    expect(database?.[1]?.[1]).toBe('not supplied');

    // A database whose policy is not the blueprint's is named.
    const drifted = { ...status('2026-12-03T00:00:00.000Z', 0), policyInDatabase: [] };
    writeFileSync(join(statusDir, 'acme-new.json'), JSON.stringify(drifted));
    const [, again] = tables(
      retentionBlocks({
        retention: { ...retention, status: readRetentionEvidence(statusDir) },
      } as unknown as ComplianceReport),
    );
    expect(again?.[0]?.[2]).toBe('none recorded (DIFFERS from the blueprint: *, chat)');
  });

  it('refuses a status file that is not what panops retention-status writes, naming the file', () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'x.json'), JSON.stringify({ customerSlug: 'acme-capital' }));
    expect(() => readRetentionEvidence(bad)).toThrow(RetentionStatusInvalid);
    expect(() => readRetentionEvidence(bad)).toThrow(/x\.json: not a retention status/);
  });
});
