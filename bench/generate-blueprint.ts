import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { RawBlueprint } from '../src/config/index.js';

export interface GenerateOptions {
  /** Every k-th customer is pooled (0: all dedicated). @default 0 */
  readonly pooledEvery?: number;
  /**
   * How customer VPCs reach shared compute. Either way the blueprint is the
   * steady state after the first deploy (the shared VPC's or the Transit
   * Gateway's id is set), so customer stacks hold their peering or attachment.
   * `peering` raises the route-table quota as far as needed and stops at the
   * 125-peering limit. @default 'transit-gateway' (the design that scales past 124 dedicated customers)
   */
  readonly network?: 'peering' | 'transit-gateway';
}

/** Every generated customer VPC lies in this range (see cidrFor). */
export const GENERATED_CUSTOMER_RANGE = '10.16.0.0/12';

const uuidFor = (i: number): string => `7e570000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** A /22 per customer from 10.16.0.0/12: room for 1,024 customers, disjoint from shared compute and the pool. */
const cidrFor = (i: number): string => `10.${16 + Math.floor(i / 64)}.${(i % 64) * 4}.0/22`;

const PLATFORMS = ['gmail', 'm365', 'slack', 'teams', 'zoom', 'twilio'] as const;

/**
 * A valid blueprint of `n` customers, deterministic in `n`: the input of the
 * synth-at-scale benchmark and of scale tests.
 */
/**
 * A made-up provider account id in the format the blueprint requires for the
 * push platforms (Slack team id, Zoom account id, Entra tenant id), one per customer.
 */
const providerAccountIdFor = (platform: string, i: number): string | undefined => {
  const n = String(i).padStart(10, '0');
  if (platform === 'slack') return `T${n}`;
  if (platform === 'zoom') return `zoomacct${n}`;
  if (platform === 'teams') return uuidFor(i);
  if (platform === 'twilio') return `AC${n.padStart(32, '0')}`;
  return undefined;
};

/** What each platform's poll and reconcile list (config/listing-scope.ts), one of each per customer. */
const scopeFor = (platform: string, i: number): Record<string, unknown> | undefined => {
  const n = String(i).padStart(10, '0');
  if (platform === 'slack') return { channels: [`C${n}`] };
  if (platform === 'teams') return { users: [uuidFor(i)] };
  if (platform === 'zoom') return { users: [`recorder-${n}@customer.example`] };
  if (platform === 'm365') return { mailbox: `journal-${n}@customer.example` };
  return undefined;
};

export const generateBlueprint = (n: number, options: GenerateOptions = {}): RawBlueprint => {
  if (n > 1024)
    throw new Error(`generateBlueprint supports at most 1,024 customers (one /22 each in 10.16.0.0/12), got ${n}`);
  const organization = {
    organization: {
      name: `Scale ${n}`,
      managementAccountId: '100000000001',
      homeRegion: 'us-east-1',
      governedRegions: ['us-east-1', 'us-west-2'],
      logArchiveAccountId: '100000000002',
      auditAccountId: '100000000003',
      organizationalUnits: { security: 'Security', infrastructure: 'Infrastructure', customers: 'Customers' },
    },
    sharedCompute: {
      accountId: '100000000010',
      vpcCidr: '10.0.0.0/16',
      schedule: { intervalHours: 6, jitterWindowMinutes: 60 },
      gpu: { whisperInstanceTypes: ['g4dn.xlarge', 'g5.xlarge'], vllmInstanceType: 'g5.xlarge' },
    },
    pooledData: { vpcCidr: '10.1.0.0/16', database: { min: 0.5, max: 16 } },
  };
  const pooledEvery = options.pooledEvery ?? 0;
  const dedicated = n - (pooledEvery > 0 ? Math.floor(n / pooledEvery) : 0);
  Object.assign(organization.sharedCompute, networkSettings(options.network ?? 'transit-gateway', dedicated));
  const customers = Array.from({ length: n }, (_, i) => {
    const slug = `customer-${String(i).padStart(4, '0')}`;
    const pooled = pooledEvery > 0 && i % pooledEvery === pooledEvery - 1;
    const connectors = [0, 1].map((k) => {
      const platform = PLATFORMS[(i + k) % PLATFORMS.length] as string;
      const accountId = providerAccountIdFor(platform, i);
      const scope = scopeFor(platform, i);
      return {
        id: `${platform}-${k}`,
        platform,
        ...(accountId ? { providerAccountId: accountId } : {}),
        ...(scope ? { scope } : {}),
      };
    });
    const common = {
      id: uuidFor(i),
      slug,
      displayName: `Customer ${i}`,
      retentionDays: 2555,
      whisperModel: i % 3 === 0 ? 'medium' : 'large-v3',
      connectors,
    };
    const data = pooled
      ? { ...common, tier: 'pooled' }
      : {
          ...common,
          tier: 'dedicated',
          accountId: String(300000000000 + i),
          vpcCidr: cidrFor(i),
          database: { min: 0.5, max: 8 },
          ...(i % 2 === 0 ? { objectLock: { mode: 'COMPLIANCE' } } : {}),
        };
    return { file: `customers/${slug}.yaml`, data };
  });
  return { organization: { file: 'organization.yaml', data: organization }, customers };
};

/** The `sharedCompute` fields of the chosen network mode for `dedicated` customers (plus the pooled cluster's VPC). */
const networkSettings = (mode: 'peering' | 'transit-gateway', dedicated: number): Record<string, unknown> => {
  if (mode === 'transit-gateway')
    return {
      network: {
        mode: 'transit-gateway',
        transitGatewayId: 'tgw-0a1b2c3d4e5f60718',
        customerRanges: [GENERATED_CUSTOMER_RANGE],
      },
    };
  // Each peered VPC adds a route to every private route table, over 4 base routes.
  const routes = dedicated + 1 + 4;
  return { vpcId: 'vpc-0a1b2c3d4e5f60718', ...(routes > 50 ? { routeTableQuota: Math.min(routes, 1000) } : {}) };
};

/** Writes a generated blueprint as a blueprint folder (organization.yaml + customers/*.yaml). */
export const writeBlueprintDir = (dir: string, raw: RawBlueprint): string => {
  mkdirSync(join(dir, 'customers'), { recursive: true });
  writeFileSync(join(dir, 'organization.yaml'), stringify(raw.organization.data));
  for (const c of raw.customers) writeFileSync(join(dir, c.file), stringify(c.data));
  return dir;
};
