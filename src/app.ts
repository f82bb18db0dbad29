import { type App, Tags } from 'aws-cdk-lib';
import type { Blueprint, DedicatedCustomer } from './config/index.js';
import { dedicatedCustomers } from './config/index.js';
import { POOLED_DATA } from './contracts/pooled-data.js';
import { OrganizationStack } from './org/organization-stack.js';
import { PooledDataStack } from './pooled-data/pooled-data-stack.js';
import { buildSharedCompute, routeAfterCustomers, type SharedComputeStacks } from './shared-compute/build.js';
import type { SharedComputeStack } from './shared-compute/shared-compute-stack.js';
import { CustomerStack } from './tenant/customer-stack.js';

/** The stacks of one organization, by role. */
export interface OrganizationStacks {
  readonly organization: OrganizationStack;
  readonly sharedCompute: SharedComputeStack;
  /** The shared compute account's stacks: the core above plus schedule and peering-route shards. */
  readonly sharedComputeStacks: SharedComputeStacks;
  readonly customers: ReadonlyMap<string, CustomerStack>;
  /** The pooled cluster's stack, when the blueprint declares `pooledData`. */
  readonly pooledData?: PooledDataStack;
}

export const customerStackName = (customer: DedicatedCustomer): string => `PanOps-Customer-${customer.slug}`;

/**
 * Builds every stack of the organization from the validated blueprint. Each
 * stack names its account and region explicitly, so synth needs no AWS
 * credentials and no lookups.
 */
export const buildOrganization = (app: App, blueprint: Blueprint): OrganizationStacks => {
  const { organization, sharedCompute } = blueprint;
  const region = organization.homeRegion;
  Tags.of(app).add('panops:managed-by', 'panops-blueprint');

  const org = new OrganizationStack(app, 'PanOps-Organization', {
    env: { account: organization.managementAccountId, region },
    description: 'PanOps management account: OUs, SCPs, Control Tower landing zone and controls',
    blueprint,
  });
  const computeStacks = buildSharedCompute(app, blueprint, { env: { account: sharedCompute.accountId, region } });
  const compute = computeStacks.core;
  // Deploy order (src/org/deploy-plan.ts): the organization (accounts, bootstrap) before any workload.
  compute.addStackDependency(
    org,
    'its account is governed, and customer accounts bootstrapped, by the organization stack',
  );
  const customers = new Map<string, CustomerStack>();
  for (const customer of dedicatedCustomers(blueprint)) {
    const stack = new CustomerStack(app, customerStackName(customer), {
      // An account still to be vended has no id yet: the stack is synthesized account-agnostic.
      env: { account: customer.accountId, region },
      description: `PanOps customer account for ${customer.displayName} (${customer.id})`,
      blueprint,
      customer,
    });
    Tags.of(stack).add('panops:customer-id', customer.id);
    stack.addStackDependency(compute, 'it peers with the shared compute VPC and trusts its workload roles');
    if (computeStacks.transitGateway)
      stack.addStackDependency(
        computeStacks.transitGateway,
        'it attaches to the Transit Gateway shared with its account',
      );
    customers.set(customer.slug, stack);
  }
  routeAfterCustomers(computeStacks, (customer) => customers.get(customer.slug));
  const pooledData = buildPooledData(app, blueprint, compute);
  pooledData?.addStackDependency(org, 'its account is governed by the organization stack');
  return {
    organization: org,
    sharedCompute: compute,
    sharedComputeStacks: computeStacks,
    customers,
    ...(pooledData ? { pooledData } : {}),
  };
};

/**
 * The pooled tier's stack, in the pooled-data account (by default the shared
 * compute account, where it peers with and routes from the shared compute VPC
 * by reference), or nothing when the blueprint declares no pooled cluster.
 */
const buildPooledData = (app: App, blueprint: Blueprint, compute: SharedComputeStack): PooledDataStack | undefined => {
  const { pooledData, sharedCompute, organization } = blueprint;
  if (!pooledData) return undefined;
  const account = pooledData.accountId ?? sharedCompute.accountId;
  return new PooledDataStack(app, POOLED_DATA.stackName, {
    env: { account, region: organization.homeRegion },
    description: 'PanOps pooled tier: the shared Aurora cluster (RLS across customers) and the pooled archive',
    blueprint,
    ...(account === sharedCompute.accountId
      ? {
          sharedComputeNetwork: {
            vpcId: compute.network.vpc.vpcId,
            privateRouteTableIds: compute.network.privateRouteTableIds,
          },
        }
      : {}),
  });
};
