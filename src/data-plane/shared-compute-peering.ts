import { Annotations, type Stack } from 'aws-cdk-lib';
import { type CfnRoute, CfnVPCPeeringConnection } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { deployedNetworkId } from '../config/deployed-network.js';
import type { Blueprint } from '../config/model.js';
import { ROLE_NAMES, roleArn } from '../contracts/names.js';
import type { IsolatedVpc } from './isolated-vpc.js';
import { routesThrough } from './routes-through.js';
import { tagRole } from './tenant-tags.js';

export interface SharedComputePeeringProps {
  /** The data VPC (the requester). */
  readonly vpcId: string;
  /** Its route tables (the isolated subnets'): each gets the route to shared compute. */
  readonly routeTableIds: readonly string[];
  /** The shared compute VPC (the accepter). */
  readonly peerVpcId: string;
  /** The shared compute VPC's CIDR: the only destination routed over the peering. */
  readonly peerCidr: string;
  /**
   * Where the data VPC is in another account than shared compute: the accepter's account, region and the role
   * there that accepts the request (cross-account peering needs `PeerOwnerId` and `PeerRoleArn`). Absent when
   * both VPCs are in one account and region: CloudFormation's request is then accepted without a role.
   */
  readonly crossAccount?: { readonly accountId: string; readonly region: string; readonly roleArn: string };
  /**
   * Same account only: the shared compute route tables that get a route back to `cidr` (this VPC's) over the
   * peering. Across accounts the shared compute stack adds its own (`PeeringRoutes`).
   */
  readonly returnRoutes?: { readonly routeTableIds: readonly string[]; readonly cidr: string };
  /** The `panops:role` tag of the connection. */
  readonly role: 'shared-compute-peering' | 'pooled-data-peering';
}

/**
 * A data VPC's only network path: a VPC peering connection to the shared
 * compute VPC, and the routes over it — one per isolated route table to the
 * shared compute CIDR and nothing else, and, when both VPCs are in one
 * account, one per shared compute route table back to this VPC's CIDR.
 */
export class SharedComputePeering extends Construct {
  readonly connection: CfnVPCPeeringConnection;
  readonly routes: CfnRoute[];

  constructor(scope: Construct, id: string, props: SharedComputePeeringProps) {
    super(scope, id);
    const accepter = props.crossAccount;
    this.connection = new CfnVPCPeeringConnection(this, 'Connection', {
      vpcId: props.vpcId,
      peerVpcId: props.peerVpcId,
      ...(accepter
        ? { peerOwnerId: accepter.accountId, peerRegion: accepter.region, peerRoleArn: accepter.roleArn }
        : {}),
    });
    tagRole(this.connection, props.role);
    const overPeering = { vpcPeeringConnectionId: this.connection.ref };
    const back = props.returnRoutes;
    this.routes = [
      ...routesThrough(this, 'RouteToSharedCompute', props.routeTableIds, props.peerCidr, overPeering),
      ...(back ? routesThrough(this, 'RouteFromSharedCompute', back.routeTableIds, back.cidr, overPeering) : []),
    ];
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
      peerVpcId: sharedComputeVpcId,
      peerCidr: sharedCompute.vpcCidr,
      crossAccount: {
        accountId: sharedCompute.accountId,
        region: organization.homeRegion,
        roleArn: roleArn(sharedCompute.accountId, ROLE_NAMES.peeringAccepter),
      },
      role: 'shared-compute-peering',
    });
  Annotations.of(stack).addWarningV2('panops:peering-pending', pendingWarning);
  return undefined;
};
