import { describe, expect, it } from 'vitest';
import type { BlueprintProblem, RawFile } from '../../src/config/index.js';
import { AWS_LIMITS, BlueprintInvalid, usesTransitGateway, validateBlueprint } from '../../src/config/index.js';
import { dedicatedCustomer, organization } from './fixtures.js';

const ORG_FILE = 'blueprint/organization.yaml';
const customerFile = (data: { slug: string }): RawFile => ({ file: `blueprint/customers/${data.slug}.yaml`, data });
/** Ranges that hold the fixture customers' /20s up to customer 1,023 (10.16.0.0–10.79.255.255). */
const RANGES = ['10.16.0.0/12', '10.32.0.0/11', '10.64.0.0/12'];

const transitGatewayOrg = (network: Record<string, unknown> = { mode: 'transit-gateway', customerRanges: RANGES }) => {
  const base = organization();
  return { ...base, sharedCompute: { ...base.sharedCompute, network } };
};

const dedicated = (count: number) => Array.from({ length: count }, (_, i) => customerFile(dedicatedCustomer(i + 1)));

const problemsOf = (org: unknown, customers: RawFile[]): BlueprintProblem[] => {
  try {
    validateBlueprint({ organization: { file: ORG_FILE, data: org }, customers });
    return [];
  } catch (error) {
    if (error instanceof BlueprintInvalid) return [...error.problems];
    throw error;
  }
};

describe('customer network validation', () => {
  it('accepts 1,000 dedicated customers through the Transit Gateway with the default route-table quota', () => {
    const customers = dedicated(1000);
    expect(customers.length).toBeGreaterThan(AWS_LIMITS.vpcPeeringConnectionsPerVpc);
    const bp = validateBlueprint({ organization: { file: ORG_FILE, data: transitGatewayOrg() }, customers });
    expect(bp.customers).toHaveLength(1000);
    expect(usesTransitGateway(bp)).toBe(true);
  });

  it('still refuses the same 1,000 customers over peering, and says which mode scales', () => {
    const problems = problemsOf(organization(), dedicated(1000));
    const peering = problems.find((p) => p.field === 'sharedCompute.vpcCidr');
    expect(peering?.rule).toContain('limit of 125 active peering connections');
    expect(peering?.rule).toContain('transit-gateway');
  });

  it('refuses a customer VPC outside every customer range, naming its file and the ranges', () => {
    const outside = { ...dedicatedCustomer(1), vpcCidr: '10.200.0.0/20' };
    const problems = problemsOf(transitGatewayOrg(), [customerFile(outside), ...dedicated(3).slice(1)]);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'blueprint/customers/customer-1.yaml',
        field: 'vpcCidr',
        value: '10.200.0.0/20',
        rule: expect.stringContaining(RANGES.join(', ')),
      }),
    ]);
  });

  it('refuses a customer range that covers the shared compute VPC', () => {
    const org = transitGatewayOrg({ mode: 'transit-gateway', customerRanges: ['10.0.0.0/8'] });
    const problems = problemsOf(org, dedicated(2));
    expect(problems).toEqual([
      expect.objectContaining({ field: 'sharedCompute.network.customerRanges.0', value: '10.0.0.0/8' }),
      // The fixture's pooled cluster VPC (10.1.0.0/16) is inside it too.
      expect.objectContaining({ field: 'sharedCompute.network.customerRanges.0', value: '10.0.0.0/8' }),
    ]);
    expect(problems[0]?.rule).toContain('sharedCompute.vpcCidr');
    expect(problems[1]?.rule).toContain('pooledData.vpcCidr');
  });

  it('refuses transit-gateway mode without customer ranges', () => {
    const problems = problemsOf(transitGatewayOrg({ mode: 'transit-gateway' }), dedicated(2));
    expect(problems).toEqual([expect.objectContaining({ field: 'sharedCompute.network.customerRanges' })]);
  });

  it('refuses more customer ranges than the shared compute route tables can hold', () => {
    const ranges = Array.from({ length: 46 }, (_, i) => `10.${100 + i}.0.0/16`);
    const inRange = { ...dedicatedCustomer(1), vpcCidr: '10.100.0.0/20' };
    const customers = [customerFile(inRange)];
    const problems = problemsOf(transitGatewayOrg({ mode: 'transit-gateway', customerRanges: ranges }), customers);
    // 46 ranges + the pooled cluster's route + 4 base routes = 51 > 50.
    expect(problems).toEqual([expect.objectContaining({ field: 'sharedCompute.network.customerRanges', value: 46 })]);
  });

  it('refuses a Transit Gateway id while the network mode is peering', () => {
    const org = transitGatewayOrg({ mode: 'peering', transitGatewayId: 'tgw-0a1b2c3d4e5f60718' });
    expect(problemsOf(org, dedicated(1))).toEqual([
      expect.objectContaining({ field: 'sharedCompute.network.transitGatewayId' }),
    ]);
  });

  it('refuses a malformed Transit Gateway id and a range that is not a network address', () => {
    const org = transitGatewayOrg({
      mode: 'transit-gateway',
      transitGatewayId: 'vpc-0a1b2c3d4e5f60718',
      customerRanges: ['10.16.0.1/12'],
    });
    const fields = problemsOf(org, dedicated(1)).map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['sharedCompute.network.transitGatewayId', 'sharedCompute.network.customerRanges.0']),
    );
  });
});
