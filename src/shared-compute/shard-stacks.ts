import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ConnectorSchedules } from './constructs/connector-schedules.js';
import type { DispositionSchedules } from './constructs/disposition-schedules.js';
import type { PeeringRoutes } from './constructs/peering-routes.js';

/**
 * One shard of the shared compute account's per-connector or per-customer
 * resources: a stack holding the one construct `build` makes in it, so the
 * core stack stays within CloudFormation's resource limit however many
 * customers there are (build.ts sizes the shards).
 */
export class ShardStack<Content extends Construct> extends Stack {
  readonly content: Content;

  constructor(scope: Construct, id: string, props: StackProps, build: (stack: Stack) => Content) {
    super(scope, id, props);
    this.content = build(this);
  }
}

/** Connector schedules: at most `SHARDING.schedulesPerStack` schedules. */
export type ConnectorSchedulesStack = ShardStack<ConnectorSchedules>;
/** Daily disposition schedules: at most `SHARDING.schedulesPerStack` customers. */
export type DispositionSchedulesStack = ShardStack<DispositionSchedules>;
/**
 * Peering routes: at most `SHARDING.peeredCustomersPerStack` customers.
 * Deployed after its customers' stacks, whose peering requests it routes to.
 */
export type PeeringRoutesStack = ShardStack<PeeringRoutes>;
