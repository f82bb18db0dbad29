import { type CfnRoute, CfnTransitGatewayAttachment } from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { routesThrough } from './routes-through.js';
import { tagRole } from './tenant-tags.js';

export interface SharedComputeAttachmentProps {
  /** The customer VPC. */
  readonly vpcId: string;
  /** One isolated subnet per zone: where the attachment's network interfaces go. */
  readonly subnetIds: readonly string[];
  /** Route tables that get the route to shared compute (the isolated subnets'). */
  readonly routeTableIds: readonly string[];
  /** The shared compute account's Transit Gateway, shared with this account through RAM. */
  readonly transitGatewayId: string;
  /** The shared compute VPC's CIDR: the only destination routed to the Transit Gateway. */
  readonly sharedComputeCidr: string;
}

/**
 * The customer VPC's only network path in transit-gateway mode: an attachment
 * to the shared compute Transit Gateway (accepted there automatically, and
 * associated with its spoke route table, which routes only to shared compute),
 * and one route per isolated route table to the shared compute CIDR and
 * nothing else.
 */
export class SharedComputeAttachment extends Construct {
  readonly attachment: CfnTransitGatewayAttachment;
  readonly routes: CfnRoute[];

  constructor(scope: Construct, id: string, props: SharedComputeAttachmentProps) {
    super(scope, id);
    this.attachment = new CfnTransitGatewayAttachment(this, 'Attachment', {
      transitGatewayId: props.transitGatewayId,
      vpcId: props.vpcId,
      subnetIds: [...props.subnetIds],
      options: { DnsSupport: 'enable', ApplianceModeSupport: 'disable', Ipv6Support: 'disable' },
    });
    tagRole(this.attachment, 'shared-compute-attachment');
    this.routes = routesThrough(this, 'RouteToSharedCompute', props.routeTableIds, props.sharedComputeCidr, {
      transitGatewayId: props.transitGatewayId,
    });
    // A route to a Transit Gateway is refused until the VPC's attachment exists.
    for (const route of this.routes) route.addResourceDependency(this.attachment);
  }
}
