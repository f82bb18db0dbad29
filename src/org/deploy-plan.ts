import type { Stack } from 'aws-cdk-lib';
import type { Blueprint } from '../config/index.js';
import { DEPLOYED_NETWORK, dedicatedCustomers, usesTransitGateway } from '../config/index.js';

/** Where the shared compute step writes its stack outputs (`cdk deploy --outputs-file`), read by the later steps. */
export const SHARED_COMPUTE_OUTPUTS_FILE = 'cdk.out/panops-shared-compute-outputs.json';

/** A CDK context value a step takes from a deployed stack's output (`-c <context>=<value>`). */
export interface ContextFromOutput {
  readonly context: string;
  readonly stack: string;
  readonly output: string;
}

import { ORGANIZATION_SETTINGS } from './operations/preflight/organization-settings.js';

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
    | 'organization-settings'
    | 'preflight-organization'
    | 'preflight-workloads'
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
  /** The stacks the step deploys (empty for settings, preflight and `vend`). */
  readonly stacks: readonly string[];
  /**
   * Context the deploy adds from `SHARED_COMPUTE_OUTPUTS_FILE` before it runs
   * the command: the shared compute VPC and Transit Gateway ids, never copied by hand.
   */
  readonly contextFromOutputs?: readonly ContextFromOutput[];
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
    readonly dispositions: readonly Stack[];
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
    ...compute.dispositions,
    // The customer directory (where each customer's data is) before any worker needs it.
    ...compute.directory,
    ...(compute.transitGateway ? [compute.transitGateway] : []),
  ];
  const routeStacks = [...compute.peeringRoutes];
  // What the stacks after shared compute need from it: its VPC (peering) or Transit Gateway id.
  const networkIds: ContextFromOutput[] = [
    { context: DEPLOYED_NETWORK.vpcId.context, stack: compute.core.stackName, output: DEPLOYED_NETWORK.vpcId.output },
    ...(usesTransitGateway(blueprint) && compute.transitGateway
      ? [
          {
            context: DEPLOYED_NETWORK.transitGatewayId.context,
            stack: compute.transitGateway.stackName,
            output: DEPLOYED_NETWORK.transitGatewayId.output,
          },
        ]
      : []),
  ];

  const steps: DeployStep[] = [
    {
      id: 'organization-settings',
      phase: 'organization',
      title: `One-time organization settings, enabled where off (idempotent; refused with the command when the caller may not): ${ORGANIZATION_SETTINGS.filter(
        (s) => s.needed(blueprint),
      )
        .map((s) => `${s.title} [${s.command({ root: { Id: options.rootId }, servicePrincipals: new Set() })}]`)
        .join('; ')}`,
      command: ['tsx', 'src/org/cli/organization-settings.ts', '--enable'],
      stacks: [],
    },
    {
      id: 'preflight-organization',
      phase: 'organization',
      title:
        'Preflight (read-only) of what the organization stack needs: settings in effect, Control Tower landing zone, CDK bootstrap and Lambda concurrency of the management account; any failure stops the deploy',
      command: ['tsx', 'src/org/cli/preflight.ts', '--scope', 'organization'],
      stacks: [],
    },
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
      id: 'preflight-workloads',
      phase: 'workloads',
      title:
        'Preflight (read-only) of every account a workload stack deploys to: CDK bootstrap version, Lambda concurrency against the reserved concurrency, G vCPU quotas of the GPU fleets, service-linked roles; any failure stops the deploy',
      command: ['tsx', 'src/org/cli/preflight.ts'],
      stacks: [],
    },
    {
      id: 'shared-compute',
      phase: 'workloads',
      title: 'Shared compute: workload roles, peering accepter, queues and the connector schedules of every customer',
      command: cdk(ids(computeStacks), '--outputs-file', SHARED_COMPUTE_OUTPUTS_FILE),
      stacks: ids(computeStacks),
    },
    {
      id: 'pooled-data',
      phase: 'workloads',
      title:
        'Pooled data: the shared Aurora cluster and archive bucket of the pooled customers, peered to shared compute; its migration hook applies sql/ migrations',
      command: cdk(stacks.pooledData ? [stacks.pooledData.stackName] : []),
      stacks: stacks.pooledData ? [stacks.pooledData.stackName] : [],
      contextFromOutputs: networkIds,
    },
    {
      id: 'customers',
      phase: 'workloads',
      title:
        'Customer stacks: VPC and peering request, key, buckets, Aurora, trail; the migration hook applies sql/ migrations before the stack completes',
      command: cdk(ids(customerStacks), '--concurrency', '4'),
      stacks: ids(customerStacks),
      contextFromOutputs: networkIds,
    },
    {
      id: 'peering-routes',
      phase: 'workloads',
      title: 'Peering routes in shared compute to every customer VPC',
      command: cdk(ids(routeStacks)),
      stacks: ids(routeStacks),
      contextFromOutputs: networkIds,
    },
  ];
  const alwaysRun = new Set<DeployStep['id']>([
    'organization-settings',
    'preflight-organization',
    'vend',
    'preflight-workloads',
  ]);
  return { steps: steps.filter((s) => alwaysRun.has(s.id) || s.stacks.length > 0), skippedCustomers };
};

/** `cdk deploy --outputs-file` content: stack name → output key → value. */
export type StackOutputs = Readonly<Record<string, Readonly<Record<string, string>>>>;

export class DeployedOutputMissing extends Error {
  constructor(step: string, need: ContextFromOutput, file: string) {
    super(
      `step ${step} needs output ${need.output} of ${need.stack} (context ${need.context}), which is not in ${file}: deploy the shared compute stacks first (npx projen deploy does)`,
    );
    this.name = 'DeployedOutputMissing';
  }
}

/** The step's command with its context taken from the deployed outputs; without outputs (dry run), a placeholder that says where the value comes from. */
export const withDeployedContext = (step: DeployStep, outputs: StackOutputs | undefined): readonly string[] => {
  const context = (step.contextFromOutputs ?? []).flatMap((need) => {
    if (!outputs) return ['-c', `${need.context}=<output ${need.output} of ${need.stack}>`];
    const value = outputs[need.stack]?.[need.output];
    if (!value) throw new DeployedOutputMissing(step.id, need, SHARED_COMPUTE_OUTPUTS_FILE);
    return ['-c', `${need.context}=${value}`];
  });
  return [...step.command, ...context];
};

/** The deployed network ids as CDK context, for planning the steps that follow shared compute. */
export const deployedContext = (steps: readonly DeployStep[], outputs: StackOutputs): Record<string, string> =>
  Object.fromEntries(
    steps
      .flatMap((s) => s.contextFromOutputs ?? [])
      .flatMap((need) => {
        const value = outputs[need.stack]?.[need.output];
        return value ? [[need.context, value] as const] : [];
      }),
  );
