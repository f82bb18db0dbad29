import { Annotations, type Stack } from 'aws-cdk-lib';
import { CfnRoute, CfnVPCPeeringConnection } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { deployedNetworkId } from '../config/deployed-network.js';
import type { Blueprint } from '../config/model.js';
import { ROLE_NAMES, roleArn } from '../contracts/names.js';
import type { IsolatedVpc } from './isolated-vpc.js';
import { tagRole } from './tenant-tags.js';

export interface SharedComputePeeringProps {
  /** The customer VPC (the requester). */
  readonly vpcId: string;
  /** Route tables that get the route to shared compute (the isolated subnets'). */
  readonly routeTableIds: readonly string[];
  /** The shared compute account (the accepter). */
  readonly peerAccountId: string;
  /** The shared compute VPC. */
  readonly peerVpcId: string;
  /** The shared compute VPC's CIDR: the only destination routed over the peering. */
  readonly peerCidr: string;
  /** Region of the shared compute VPC. */
  readonly peerRegion: string;
  /** Role in the shared compute account that accepts the request (trusts the customer accounts). */
  readonly peerRoleArn: string;
}

/**
 * The customer VPC's only network path: a VPC peering connection requested
 * from the customer account and accepted by the shared compute account through
 * its accepter role (cross-account peering needs `PeerOwnerId` and
 * `PeerRoleArn`), and one route per isolated route table to the shared compute
 * CIDR and nothing else. The shared compute side adds its own routes.
 */
export class SharedComputePeering extends Construct {
  readonly connection: CfnVPCPeeringConnection;
  readonly routes: CfnRoute[];

  constructor(scope: Construct, id: string, props: SharedComputePeeringProps) {
    super(scope, id);
    this.connection = new CfnVPCPeeringConnection(this, 'Connection', {
      vpcId: props.vpcId,
      peerVpcId: props.peerVpcId,
      peerOwnerId: props.peerAccountId,
      peerRegion: props.peerRegion,
      peerRoleArn: props.peerRoleArn,
    });
    tagRole(this.connection, 'shared-compute-peering');
    this.routes = props.routeTableIds.map(
      (routeTableId, index) =>
        new CfnRoute(this, `RouteToSharedCompute${index + 1}`, {
          routeTableId,
          destinationCidrBlock: props.peerCidr,
          vpcPeeringConnectionId: this.connection.ref,
        }),
    );
  }
}

/**
 * The peering request from a data account's VPC to the shared compute VPC,
 * once that VPC's id is known (`npx projen deploy` passes the shared compute
 * stack's VpcId output); until then none is made, and `pendingWarning` says so
 * on the stack. Never a request to a placeholder id.
 */
export const peeringToSharedCompute = (
  stack: Stack,
  network: IsolatedVpc,
  blueprint: Blueprint,
  pendingWarning: string,
): SharedComputePeering | undefined => {
  const { sharedCompute, organization } = blueprint;
  const sharedComputeVpcId = deployedNetworkId(stack, blueprint, 'vpcId');
  if (sharedComputeVpcId)
    return new SharedComputePeering(stack, 'SharedComputePeering', {
      vpcId: network.vpc.vpcId,
      routeTableIds: network.routeTableIds,
      peerAccountId: sharedCompute.accountId,
      peerVpcId: sharedComputeVpcId,
      peerCidr: sharedCompute.vpcCidr,
      peerRegion: organization.homeRegion,
      peerRoleArn: roleArn(sharedCompute.accountId, ROLE_NAMES.peeringAccepter),
    });
  Annotations.of(stack).addWarningV2('panops:peering-pending', pendingWarning);
  return undefined;
};
