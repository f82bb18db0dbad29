import type { Environment, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type Blueprint,
  type DedicatedCustomer,
  dedicatedCustomers,
  deployedNetworkId,
  usesTransitGateway,
} from '../config/index.js';
import { ConnectorSchedules, SCHEDULES_PER_CONNECTOR } from './constructs/connector-schedules.js';
import { DispositionSchedules } from './constructs/disposition-schedules.js';
import { PeeringRoutes } from './constructs/peering-routes.js';
import { directoryEntries, directoryShards } from './directory-plan.js';
import { CustomerDirectoryStack } from './directory-stack.js';
import type { LambdaEntries } from './handler-entries.js';
import { connectorSchedulePlans, dispositionSchedulePlans } from './schedule-plan.js';
import {
  type ConnectorSchedulesStack,
  type DispositionSchedulesStack,
  type PeeringRoutesStack,
  ShardStack,
} from './shard-stacks.js';
import { chunk, SHARDING } from './sharding.js';
import { SharedComputeStack } from './shared-compute-stack.js';
import { TransitGatewayStack } from './transit-gateway-stack.js';

/** Every stack of the shared compute account. */
export interface SharedComputeStacks {
  readonly core: SharedComputeStack;
  readonly schedules: readonly ConnectorSchedulesStack[];
  /** Each customer's daily retention disposition schedule, in shards. */
  readonly dispositions: readonly DispositionSchedulesStack[];
  readonly peeringRoutes: readonly PeeringRoutesStack[];
  /** The customer directory's entries (`/panops/customers/<id>`), in up to 16 shards keyed by a hash of the customer id. */
  readonly directory: readonly CustomerDirectoryStack[];
  /** The Transit Gateway (transit-gateway network mode only; then there are no peering routes). */
  readonly transitGateway?: TransitGatewayStack;
}

export interface BuildSharedComputeOptions {
  readonly env: Environment;
  /** Prefix of the stack ids. @default 'PanOps-SharedCompute' */
  readonly idPrefix?: string;
  readonly lambdaEntries?: LambdaEntries;
}

/** Customers the shared VPC routes to: dedicated, with an account (only those are trusted to peer); none in transit-gateway mode. */
export const peeredCustomers = (blueprint: Blueprint, scope?: Construct): DedicatedCustomer[] =>
  (scope ? deployedNetworkId(scope, blueprint, 'vpcId') : blueprint.sharedCompute.vpcId) &&
  !usesTransitGateway(blueprint)
    ? dedicatedCustomers(blueprint).filter((c) => c.accountId !== undefined)
    : [];

/**
 * The shared compute account as stacks: the core (constant size), connector
 * schedules in shards of `SHARDING.schedulesPerStack`, and peering routes in
 * shards of `SHARDING.peeredCustomersPerStack` customers. Routes exist only
 * once `sharedCompute.vpcId` is in the blueprint, which is when customer
 * stacks request their peering.
 */
export const buildSharedCompute = (
  scope: Construct,
  blueprint: Blueprint,
  options: BuildSharedComputeOptions,
): SharedComputeStacks => {
  const prefix = options.idPrefix ?? 'PanOps-SharedCompute';
  const core = new SharedComputeStack(scope, prefix, {
    env: options.env,
    description: 'PanOps shared compute: connector workers, queues, Whisper and vLLM fleets',
    blueprint,
    ...(options.lambdaEntries ? { lambdaEntries: options.lambdaEntries } : {}),
  });
  // Each connector has SCHEDULES_PER_CONNECTOR schedules (poll, reconcile); a shard holds at most schedulesPerStack.
  const connectorsPerShard = Math.floor(SHARDING.schedulesPerStack / SCHEDULES_PER_CONNECTOR);
  const targets = core.scheduleTargets;
  const { jitterWindowMinutes } = blueprint.sharedCompute.schedule;
  const schedules = chunk(connectorSchedulePlans(blueprint), connectorsPerShard).map(
    (plans, index) =>
      new ShardStack(
        scope,
        `${prefix}-Schedules-${index + 1}`,
        {
          env: options.env,
          description: `PanOps connector schedules, shard ${index + 1} (${plans.length} connectors)`,
        },
        (stack) => new ConnectorSchedules(stack, 'Schedules', { plans, targets, jitterWindowMinutes }),
      ),
  );
  const dispositions = chunk(dispositionSchedulePlans(blueprint), SHARDING.schedulesPerStack).map(
    (plans, index) =>
      new ShardStack(
        scope,
        `${prefix}-Dispositions-${index + 1}`,
        {
          env: options.env,
          description: `PanOps daily retention disposition schedules, shard ${index + 1} (${plans.length} customers)`,
        },
        (stack) => new DispositionSchedules(stack, 'Schedules', { plans, targets, jitterWindowMinutes }),
      ),
  );
  const peeringRoutes = chunk(peeredCustomers(blueprint, scope), SHARDING.peeredCustomersPerStack).map(
    (customers, index) =>
      new ShardStack(
        scope,
        `${prefix}-PeeringRoutes-${index + 1}`,
        {
          env: options.env,
          description: `PanOps routes to customer VPCs over their peering, shard ${index + 1} (${customers.length} customers)`,
        },
        (stack) =>
          new PeeringRoutes(stack, 'PeeringRoutes', {
            vpc: core.network.vpc,
            routeTableIds: core.network.privateRouteTableIds,
            customers,
            logKey: core.platformKey.key,
          }),
      ),
  );
  const transitGateway = usesTransitGateway(blueprint)
    ? new TransitGatewayStack(scope, `${prefix}-TransitGateway`, {
        env: options.env,
        description: 'PanOps Transit Gateway: customer VPCs reach shared compute, never each other',
        vpc: core.network.vpc,
        vpcCidr: blueprint.sharedCompute.vpcCidr,
        routeTableIds: core.network.privateRouteTableIds,
        customerRanges: blueprint.sharedCompute.network?.customerRanges ?? [],
        customerAccounts: dedicatedCustomers(blueprint).flatMap((c) => (c.accountId ? [c.accountId] : [])),
        logKey: core.platformKey.key,
      })
    : undefined;
  const directory = directoryShards(directoryEntries(blueprint)).map(
    ([key, entries]) =>
      new CustomerDirectoryStack(scope, `${prefix}-Directory-${key}`, {
        env: options.env,
        description: `PanOps customer directory, shard ${key} (${entries.length} customers)`,
        entries,
      }),
  );
  return { core, schedules, dispositions, peeringRoutes, directory, ...(transitGateway ? { transitGateway } : {}) };
};

/** Orders each peering-routes shard after the stacks of its customers (which request the peering). */
export const routeAfterCustomers = (
  stacks: SharedComputeStacks,
  customerStackOf: (customer: DedicatedCustomer) => Stack | undefined,
): void => {
  for (const shard of stacks.peeringRoutes)
    for (const customer of shard.content.customers) {
      const stack = customerStackOf(customer);
      if (stack) shard.addStackDependency(stack, 'its customers request the peering connections it routes to');
    }
};
