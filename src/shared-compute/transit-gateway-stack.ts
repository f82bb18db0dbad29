import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { TransitGatewayHub, type TransitGatewayHubProps } from './constructs/transit-gateway-hub.js';

export type TransitGatewayStackProps = StackProps & TransitGatewayHubProps;

/**
 * The shared compute account's Transit Gateway (transit-gateway network mode),
 * in a stack of its own beside the core: constant in size whatever the number
 * of customers, deployed after the core (it attaches the core's VPC) and
 * before the customer stacks (they attach to it).
 */
export class TransitGatewayStack extends Stack {
  readonly hub: TransitGatewayHub;

  constructor(scope: Construct, id: string, props: TransitGatewayStackProps) {
    super(scope, id, props);
    this.hub = new TransitGatewayHub(this, 'Hub', props);
  }
}
