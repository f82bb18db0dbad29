import type { Stack } from 'aws-cdk-lib';
import type { Blueprint } from '../config/index.js';
import { dedicatedCustomers } from '../config/index.js';

/**
 * The order in which `npx projen deploy` brings the organization up, and with
 * it a new customer: config change → account vended and enrolled → bootstrapped
 * → shared compute updated → customer stack deployed (its migration hook runs
 * the database migrations) → peering routes. The README's deploy section
 * describes exactly these steps; test/org/deploy-plan.test.ts checks them
 * against the stacks' dependency graph.
 */
export interface DeployStep {
  readonly id:
    | 'organization'
    | 'vend'
    | 'organization-recorded'
    | 'shared-compute'
    | 'pooled-data'
    | 'customers'
    | 'peering-routes';
  /** `organization` steps run on the blueprint as it is; `workloads` steps on the blueprint re-read after vending. */
  readonly phase: 'organization' | 'workloads';
  readonly title: string;
  /** The command line (`npx` runs it). */
  readonly command: readonly string[];
  /** The stacks the step deploys (empty for `vend`). */
  readonly stacks: readonly string[];
}

export interface DeployPlanOptions {
  /** The organization root id (ListRoots), passed to the org stack's `OrganizationRootId` parameter. */
  readonly rootId: string;
  /** Extra arguments for every `cdk deploy` (e.g. `--require-approval never` in CI). @default none */
  readonly cdkArgs?: readonly string[];
}

export interface PlanResult {
  readonly steps: readonly DeployStep[];
  /** Customers whose stack is not deployed because their account has no id yet. */
  readonly skippedCustomers: readonly string[];
}

/**
 * The stacks a deploy plan orders, by shape (the app's `OrganizationStacks`
 * is one): the plan needs their names, not the app that built them.
 */
export interface PlannedStacks {
  readonly organization: Stack;
  readonly customers: ReadonlyMap<string, Stack>;
  readonly sharedComputeStacks: {
    readonly core: Stack;
    readonly schedules: readonly Stack[];
    readonly directory: readonly Stack[];
    readonly transitGateway?: Stack;
    readonly peeringRoutes: readonly Stack[];
  };
  readonly pooledData?: Stack;
}

const ids = (stacks: readonly Stack[]) => stacks.map((s) => s.stackName);

export const deployPlan = (stacks: PlannedStacks, blueprint: Blueprint, options: DeployPlanOptions): PlanResult => {
  const org = stacks.organization.stackName;
  const cdk = (stackIds: readonly string[], ...extra: string[]) => [
    'cdk',
    'deploy',
    ...stackIds,
    '--exclusively',
    ...extra,
    ...(options.cdkArgs ?? []),
  ];
  const orgArgs = ['--parameters', `${org}:OrganizationRootId=${options.rootId}`];
  const withAccount = new Set(
    dedicatedCustomers(blueprint)
      .filter((c) => c.accountId)
      .map((c) => c.slug),
  );
  const customerStacks = [...stacks.customers.entries()].filter(([slug]) => withAccount.has(slug)).map(([, s]) => s);
  const skippedCustomers = [...stacks.customers.keys()].filter((slug) => !withAccount.has(slug));
  const compute = stacks.sharedComputeStacks;
  const computeStacks = [
    compute.core,
    ...compute.schedules,
    // The customer directory (where each customer's data is) before any worker needs it.
    ...compute.directory,
    ...(compute.transitGateway ? [compute.transitGateway] : []),
  ];
  const routeStacks = [...compute.peeringRoutes];

  const steps: DeployStep[] = [
    {
      id: 'organization',
      phase: 'organization',
      title:
        'Organization: OUs, SCPs, Control Tower landing zone, OU baselines and controls, CDK bootstrap StackSet; new customer accounts are created in Quarantine, where the OU baseline enrolls them and the StackSet bootstraps them',
      command: cdk([org], ...orgArgs),
      stacks: [org],
    },
    {
      id: 'vend',
      phase: 'organization',
      title:
        'Vend: adopt (or create) each new customer account, then release the accounts that waited in Quarantine to their Customers OU and write their ids into blueprint/customers/<slug>.yaml',
      command: ['tsx', 'src/org/cli/vend.ts', '--release'],
      stacks: [],
    },
    {
      id: 'organization-recorded',
      phase: 'organization',
      title:
        'Organization again: released accounts leave the template (retained) and the cost category names them by id',
      command: cdk([org], ...orgArgs),
      stacks: [org],
    },
    {
      id: 'shared-compute',
      phase: 'workloads',
      title: 'Shared compute: workload roles, peering accepter, queues and the connector schedules of every customer',
      command: cdk(ids(computeStacks)),
      stacks: ids(computeStacks),
    },
    {
      id: 'pooled-data',
      phase: 'workloads',
      title:
        'Pooled data: the shared Aurora cluster and archive bucket of the pooled customers, peered to shared compute; its migration hook applies sql/ migrations',
      command: cdk(stacks.pooledData ? [stacks.pooledData.stackName] : []),
      stacks: stacks.pooledData ? [stacks.pooledData.stackName] : [],
    },
    {
      id: 'customers',
      phase: 'workloads',
      title:
        'Customer stacks: VPC and peering request, key, buckets, Aurora, trail; the migration hook applies sql/ migrations before the stack completes',
      command: cdk(ids(customerStacks), '--concurrency', '4'),
      stacks: ids(customerStacks),
    },
    {
      id: 'peering-routes',
      phase: 'workloads',
      title: 'Peering routes in shared compute to every customer VPC',
      command: cdk(ids(routeStacks)),
      stacks: ids(routeStacks),
    },
  ];
  return { steps: steps.filter((s) => s.id === 'vend' || s.stacks.length > 0), skippedCustomers };
};
