import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_LIMITS, type Blueprint, validateBlueprint } from '../../src/config/index.js';
import { buildSharedCompute, routeAfterCustomers } from '../../src/shared-compute/build.js';
import { SCHEDULES_PER_CONNECTOR } from '../../src/shared-compute/constructs/connector-schedules.js';
import { CUSTOMER_ROLE_ARNS_PER_POLICY } from '../../src/shared-compute/constructs/workload-roles.js';
import { resourcesPerPeeredCustomer, SHARDING } from '../../src/shared-compute/sharding.js';
import { dedicatedCustomer, organization, pooledCustomer } from '../config/fixtures.js';
import {
  exampleBlueprint,
  FIXTURE_ENTRIES,
  propertiesOf,
  resourcesOf,
  type SynthesizedSharedCompute,
  synthSharedCompute,
} from './fixtures.js';

/**
 * How the shared compute account grows with customers: the example
 * organization, and a large one at the peering limit (124 dedicated customers,
 * 3 connectors each, plus the pooled cluster's VPC, and 500 pooled customers
 * with 2 connectors each).
 */
const LARGE = { dedicated: AWS_LIMITS.vpcPeeringConnectionsPerVpc - 1, pooled: 500 } as const;
const PRIVATE_ROUTE_TABLES = 2;

const largeBlueprint = (): Blueprint => {
  const base = organization();
  const connectors = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      i % 2 === 0
        ? { id: `c${i}`, platform: 'gmail' }
        : { id: `c${i}`, platform: 'zoom', providerAccountId: `zoomAccount${i}xx`, scope: { users: ['me'] } },
    );
  const file = <T extends { slug: string }>(data: T) => ({ file: `blueprint/customers/${data.slug}.yaml`, data });
  return validateBlueprint({
    organization: {
      file: 'blueprint/organization.yaml',
      data: {
        ...base,
        sharedCompute: { ...base.sharedCompute, vpcId: 'vpc-0a1b2c3d4e5f60718', routeTableQuota: 1000 },
      },
    },
    customers: [
      ...Array.from({ length: LARGE.dedicated }, (_, i) =>
        file({ ...dedicatedCustomer(i + 1), connectors: connectors(3) }),
      ),
      ...Array.from({ length: LARGE.pooled }, (_, i) => file({ ...pooledCustomer(i + 1), connectors: connectors(2) })),
    ],
  });
};

let example: SynthesizedSharedCompute;
let large: SynthesizedSharedCompute;
beforeAll(() => {
  // Two synths: the growth of the core stack is the difference between them.
  example = synthSharedCompute(exampleBlueprint());
  large = synthSharedCompute(largeBlueprint());
});

const count = (t: Template) => Object.keys(resourcesOf(t)).length;

describe('shared compute scale', () => {
  it('synthesizes the example organization into a core, one schedules shard and one routes shard', () => {
    // 7 connectors, each reconciled and all but the push-only Twilio one polled; acme-capital is the one dedicated
    // customer with an account to peer with.
    expect(example.schedules.map(count)).toEqual([7 * SCHEDULES_PER_CONNECTOR - 1]);
    expect(example.peeringRoutes.map(count)).toEqual([SHARDING.peeringRoutesStackBaseResources + 3]);
  });

  it('grows the core stack only by one managed policy per 80 customer accounts (data access, and the webhook’s raw writers)', () => {
    const extraPolicies = 2 * (Math.ceil(LARGE.dedicated / CUSTOMER_ROLE_ARNS_PER_POLICY) - 1);
    expect(count(large.core)).toBe(count(example.core) + extraPolicies);
  });

  it('puts at most 400 schedules in a shard: a poll and a daily reconcile per connector', () => {
    const connectors = LARGE.dedicated * 3 + LARGE.pooled * 2;
    const schedules = connectors * SCHEDULES_PER_CONNECTOR;
    expect(large.schedules).toHaveLength(
      Math.ceil(connectors / Math.floor(SHARDING.schedulesPerStack / SCHEDULES_PER_CONNECTOR)),
    );
    expect(large.schedules.map(count).reduce((a, b) => a + b, 0)).toBe(schedules);
    for (const shard of large.schedules) expect(count(shard)).toBeLessThanOrEqual(SHARDING.schedulesPerStack);
  });

  it('adds one peering lookup and one route per private route table for each dedicated customer', () => {
    const shards = Math.ceil(LARGE.dedicated / SHARDING.peeredCustomersPerStack);
    expect(large.peeringRoutes).toHaveLength(shards);
    const perCustomer = resourcesPerPeeredCustomer(PRIVATE_ROUTE_TABLES);
    expect(perCustomer).toBe(3);
    const customersPerShard = large.stacks.peeringRoutes.map((s) => s.content.customers.length);
    expect(customersPerShard).toEqual([100, 24]);
    large.peeringRoutes.forEach((shard, i) => {
      expect(count(shard)).toBe(SHARDING.peeringRoutesStackBaseResources + perCustomer * (customersPerShard[i] ?? 0));
    });
  });

  it('keeps every stack of the large organization under the 500-resource limit', () => {
    for (const t of [large.core, ...large.schedules, ...large.peeringRoutes])
      expect(count(t)).toBeLessThanOrEqual(AWS_LIMITS.resourcesPerStack);
  });

  it('fits the peering accepter’s trust policy for every peerable account in 2,048 characters', () => {
    const accepter = propertiesOf(large.core, 'AWS::IAM::Role').find(
      (r) => r.RoleName === 'panops-vpc-peering-accepter',
    );
    expect(accepter?.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals['aws:PrincipalAccount']).toHaveLength(
      LARGE.dedicated,
    );
    expect(JSON.stringify(accepter?.AssumeRolePolicyDocument).length).toBeLessThanOrEqual(2_048);
  });

  it('splits the customers’ data-access role ARNs over managed policies of at most 6,144 characters', () => {
    const policies = propertiesOf(large.core, 'AWS::IAM::ManagedPolicy').filter((p) =>
      String(p.Description).startsWith('Assume the data-access role'),
    );
    expect(policies).toHaveLength(Math.ceil(LARGE.dedicated / CUSTOMER_ROLE_ARNS_PER_POLICY));
    const arns = policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s: { Resource: string[] }) => s.Resource));
    expect(new Set(arns).size).toBe(LARGE.dedicated);
    for (const p of policies) expect(JSON.stringify(p.PolicyDocument).length).toBeLessThanOrEqual(6_144);
  });

  it('deploys each routes shard after the stacks of its customers', () => {
    // Building is enough: dependencies are decided before synth.
    const app = new App();
    const blueprint = exampleBlueprint();
    const stacks = buildSharedCompute(app, blueprint, {
      env: { account: blueprint.sharedCompute.accountId, region: blueprint.organization.homeRegion },
      lambdaEntries: FIXTURE_ENTRIES,
    });
    const customerStacks = new Map(
      exampleBlueprint().customers.map((c) => [c.slug, new Stack(app, `Customer-${c.slug}`)] as const),
    );
    routeAfterCustomers(stacks, (c) => customerStacks.get(c.slug));
    expect(stacks.peeringRoutes[0]?.dependencies.map((s) => s.stackName)).toContain('Customer-acme-capital');
  });
});
