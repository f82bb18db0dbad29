import { describe, expect, it } from 'vitest';
import {
  AWS_LIMITS,
  BlueprintInvalid,
  customerRouteCapacity,
  SHARED_COMPUTE_SCALE,
  validateBlueprint,
} from '../../src/config/index.js';
import { dedicatedCustomer, organization } from './fixtures.js';

const ORG_FILE = 'blueprint/organization.yaml';

/** The problems of a blueprint with `dedicated` customers and the given route-table quota. */
const problemsWith = (dedicated: number, routeTableQuota?: number) => {
  const base = organization();
  const org = {
    ...base,
    sharedCompute: { ...base.sharedCompute, ...(routeTableQuota ? { routeTableQuota } : {}) },
    pooledData: undefined,
  };
  const customers = Array.from({ length: dedicated }, (_, i) => {
    const data = dedicatedCustomer(i + 1);
    return { file: `blueprint/customers/${data.slug}.yaml`, data };
  });
  try {
    validateBlueprint({ organization: { file: ORG_FILE, data: org }, customers });
    return [];
  } catch (error) {
    if (error instanceof BlueprintInvalid) return [...error.problems];
    throw error;
  }
};

describe('shared compute route-table limit', () => {
  it('leaves 46 customer routes in a 50-route table (local, NAT and two endpoint routes come first)', () => {
    expect(SHARED_COMPUTE_SCALE.baseRoutesPerRouteTable).toBe(4);
    expect(customerRouteCapacity()).toBe(AWS_LIMITS.routesPerRouteTable - 4);
  });

  it('accepts as many dedicated customers as the default quota allows', () => {
    expect(problemsWith(customerRouteCapacity())).toEqual([]);
  });

  it('refuses one more, naming the routes-per-route-table limit and the way to raise it', () => {
    const count = customerRouteCapacity() + 1;
    expect(problemsWith(count)).toEqual([
      {
        file: ORG_FILE,
        field: 'sharedCompute.routeTableQuota',
        value: count,
        rule: `${count} peered VPCs (dedicated customers and the pooled cluster) need ${count + 4} routes in each private route table of the shared compute VPC, over the limit of 50 routes per route table; request a quota increase (up to 1,000) and set sharedCompute.routeTableQuota`,
      },
    ]);
  });

  it('counts the pooled cluster’s VPC as one more peered VPC', () => {
    const base = organization();
    const customers = Array.from({ length: customerRouteCapacity() }, (_, i) => {
      const data = dedicatedCustomer(i + 1);
      return { file: `blueprint/customers/${data.slug}.yaml`, data };
    });
    expect(() => validateBlueprint({ organization: { file: ORG_FILE, data: base }, customers })).toThrow(
      /47 peered VPCs .* over the limit of 50 routes per route table/,
    );
  });

  it('accepts them once the raised quota is in the blueprint', () => {
    expect(problemsWith(customerRouteCapacity() + 1, 100)).toEqual([]);
  });
});
