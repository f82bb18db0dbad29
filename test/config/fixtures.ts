import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** A valid organization file, as parsed YAML. Tests copy and break it. */
export const organization = () => ({
  organization: {
    name: 'Test Org',
    managementAccountId: '100000000001',
    homeRegion: 'us-east-1',
    governedRegions: ['us-east-1'],
    logArchiveAccountId: '100000000002',
    auditAccountId: '100000000003',
    organizationalUnits: { security: 'Security', infrastructure: 'Infrastructure', customers: 'Customers' },
  },
  sharedCompute: {
    accountId: '100000000010',
    vpcCidr: '10.0.0.0/16',
    schedule: { intervalHours: 6, jitterWindowMinutes: 60 },
    gpu: { whisperInstanceTypes: ['g4dn.xlarge'], vllmInstanceType: 'g5.xlarge' },
  },
  pooledData: { vpcCidr: '10.1.0.0/16', database: { min: 0.5, max: 16 } },
});

/** A valid dedicated customer number `n` (distinct id, slug, account and CIDR). */
export const dedicatedCustomer = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  slug: `customer-${n}`,
  displayName: `Customer ${n}`,
  tier: 'dedicated',
  accountId: String(200000000000 + n),
  vpcCidr: `10.${16 + Math.floor(n / 16)}.${(n % 16) * 16}.0/20`,
  database: { min: 0.5, max: 8 },
  retentionDays: 2555,
  whisperModel: 'large-v3',
});

export const pooledCustomer = (n: number) => ({
  id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
  slug: `pooled-${n}`,
  displayName: `Pooled ${n}`,
  tier: 'pooled',
  retentionDays: 365,
  whisperModel: 'medium',
});

/** Writes a blueprint folder to a temp dir; `customers` maps file names to content (object or raw text). */
export const writeBlueprint = (org: unknown, customers: Record<string, unknown>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'blueprint-'));
  writeFileSync(join(dir, 'organization.yaml'), typeof org === 'string' ? org : stringify(org));
  mkdirSync(join(dir, 'customers'));
  for (const [name, content] of Object.entries(customers)) {
    writeFileSync(join(dir, 'customers', name), typeof content === 'string' ? content : stringify(content));
  }
  return dir;
};
