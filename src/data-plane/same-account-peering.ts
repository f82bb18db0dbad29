import { CfnRoute, CfnVPCPeeringConnection } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { tagRole } from './tenant-tags.js';

export interface SameAccountPeeringProps {
  /** The pooled data VPC (the requester). */
  readonly vpcId: string;
  /** Its CIDR: routed from the shared compute side. */
  readonly cidr: string;
  /** Its route tables (the isolated subnets'): each gets a route to shared compute. */
  readonly routeTableIds: readonly string[];
  /** The shared compute VPC, in the same account and region (the accepter). */
  readonly peerVpcId: string;
  /** The shared compute CIDR: the only destination routed over the peering. */
  readonly peerCidr: string;
  /** Route tables of the shared compute private subnets: each gets a route to the pooled data VPC. */
  readonly peerRouteTableIds: readonly string[];
}

/**
 * The pooled data VPC's only network path, when it lives in the shared
 * compute account: a peering connection to the shared compute VPC (same
 * account and region, so CloudFormation's request is accepted without a
 * peering role) and the routes on both sides, one per route table, to the
 * other VPC's CIDR and nothing else.
 */
export class SameAccountPeering extends Construct {
  readonly connection: CfnVPCPeeringConnection;
  readonly routes: CfnRoute[];

  constructor(scope: Construct, id: string, props: SameAccountPeeringProps) {
    super(scope, id);
    this.connection = new CfnVPCPeeringConnection(this, 'Connection', {
      vpcId: props.vpcId,
      peerVpcId: props.peerVpcId,
    });
    tagRole(this.connection, 'pooled-data-peering');
    const route = (name: string, routeTableId: string, destinationCidrBlock: string) =>
      new CfnRoute(this, name, { routeTableId, destinationCidrBlock, vpcPeeringConnectionId: this.connection.ref });
    this.routes = [
      ...props.routeTableIds.map((table, i) => route(`RouteToSharedCompute${i + 1}`, table, props.peerCidr)),
      ...props.peerRouteTableIds.map((table, i) => route(`RouteFromSharedCompute${i + 1}`, table, props.cidr)),
    ];
  }
}
