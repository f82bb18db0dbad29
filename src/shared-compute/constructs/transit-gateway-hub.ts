import { CfnOutput, Stack, Tags } from 'aws-cdk-lib';
import {
  CfnRoute,
  CfnTransitGateway,
  CfnTransitGatewayRoute,
  CfnTransitGatewayRouteTable,
  CfnTransitGatewayRouteTableAssociation,
  CfnTransitGatewayVpcAttachment,
  type IVpc,
  SubnetType,
} from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnResourceShare } from 'aws-cdk-lib/aws-ram';
import { type AwsCustomResource, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';
import { LAMBDA_VPC_ENI_ACTIONS } from '../../common/lambda-vpc.js';
import { TAG_KEYS } from '../../config/index.js';
import { chunk } from '../sharding.js';
import { acknowledgeVpcCustomResourceProvider, deployTimeCalls } from './custom-resource-provider.js';

/** Principals per RAM resource share: one CreateResourceShare call associates at most 100. */
export const ACCOUNTS_PER_RESOURCE_SHARE = 100;

export interface TransitGatewayHubProps {
  /** The shared compute VPC: attached in its private subnets, one per zone. */
  readonly vpc: IVpc;
  /** The shared compute VPC's CIDR: the only destination customers can reach. */
  readonly vpcCidr: string;
  /** Route tables of the private subnets: each routes every customer range to the Transit Gateway. */
  readonly routeTableIds: readonly string[];
  /** Address ranges holding every dedicated customer's VPC (`sharedCompute.network.customerRanges`). */
  readonly customerRanges: readonly string[];
  /** The dedicated customers' accounts: the only principals the Transit Gateway is shared with. */
  readonly customerAccounts: readonly string[];
  /** Key of the deploy-time function's log group. */
  readonly logKey: IKey;
}

/**
 * The hub of transit-gateway mode: one Transit Gateway in the shared compute
 * account, shared through RAM with the dedicated customers' accounts only.
 *
 * Isolation is in the Transit Gateway's routing, not in the customers' route tables:
 * - the spoke route table, which every customer attachment is associated with,
 *   holds one static route, to the shared compute VPC; a customer has no route
 *   to any other customer;
 * - the hub route table, which only the shared compute attachment is associated
 *   with, receives every customer attachment's propagated route.
 *
 * Customer attachments (requested by the customer stacks) are accepted
 * automatically, which is why the share names accounts and not the
 * organization, and land in the right tables because the Transit Gateway's
 * default association and propagation tables are set to the spoke and hub
 * tables, once the shared compute attachment is in place (a deploy-time
 * ModifyTransitGateway: CloudFormation cannot set them at creation, the tables
 * need the gateway first). So nothing here grows with customers but the RAM
 * shares (one per 100 accounts), and the shared compute route tables take one
 * route per customer range.
 */
export class TransitGatewayHub extends Construct {
  readonly transitGateway: CfnTransitGateway;
  readonly spokeRouteTable: CfnTransitGatewayRouteTable;
  readonly hubRouteTable: CfnTransitGatewayRouteTable;
  readonly attachment: CfnTransitGatewayVpcAttachment;
  readonly routes: readonly CfnRoute[];
  readonly shares: readonly CfnResourceShare[];

  constructor(scope: Construct, id: string, props: TransitGatewayHubProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.transitGateway = new CfnTransitGateway(this, 'TransitGateway', {
      description: 'PanOps: customer VPCs to shared compute, never to each other',
      // Customer attachments come only from the accounts of the RAM shares below.
      autoAcceptSharedAttachments: 'enable',
      // Set to the spoke and hub tables once the shared compute attachment is associated (see below).
      defaultRouteTableAssociation: 'disable',
      defaultRouteTablePropagation: 'disable',
      dnsSupport: 'enable',
      vpnEcmpSupport: 'disable',
      multicastSupport: 'disable',
    });
    Tags.of(this.transitGateway).add('Name', 'panops-customers');
    Tags.of(this.transitGateway).add(TAG_KEYS.role, 'customer-transit-gateway');
    const transitGatewayId = this.transitGateway.ref;

    this.spokeRouteTable = new CfnTransitGatewayRouteTable(this, 'SpokeRouteTable', { transitGatewayId });
    Tags.of(this.spokeRouteTable).add('Name', 'panops-customer-spokes');
    this.hubRouteTable = new CfnTransitGatewayRouteTable(this, 'HubRouteTable', { transitGatewayId });
    Tags.of(this.hubRouteTable).add('Name', 'panops-shared-compute-hub');

    const subnetIds = props.vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_WITH_EGRESS, onePerAz: true }).subnetIds;
    this.attachment = new CfnTransitGatewayVpcAttachment(this, 'SharedComputeAttachment', {
      transitGatewayId,
      vpcId: props.vpc.vpcId,
      subnetIds,
      options: { DnsSupport: 'enable', ApplianceModeSupport: 'disable', Ipv6Support: 'disable' },
    });
    const hubAssociation = new CfnTransitGatewayRouteTableAssociation(this, 'HubAssociation', {
      transitGatewayRouteTableId: this.hubRouteTable.ref,
      transitGatewayAttachmentId: this.attachment.ref,
    });
    const spokeRoute = new CfnTransitGatewayRoute(this, 'SpokeRouteToSharedCompute', {
      transitGatewayRouteTableId: this.spokeRouteTable.ref,
      destinationCidrBlock: props.vpcCidr,
      transitGatewayAttachmentId: this.attachment.ref,
    });

    const defaults = this.routeTableDefaults(transitGatewayId, props);
    // Only after the shared compute attachment is in the hub table: it must never be a spoke.
    defaults.node.addDependency(hubAssociation, spokeRoute);

    const routes: CfnRoute[] = [];
    props.routeTableIds.forEach((routeTableId, table) => {
      props.customerRanges.forEach((range, index) => {
        const route = new CfnRoute(this, `CustomerRange${index + 1}Route${table + 1}`, {
          routeTableId,
          destinationCidrBlock: range,
          transitGatewayId,
        });
        // A route to a Transit Gateway needs the VPC's attachment first.
        route.addResourceDependency(this.attachment);
        routes.push(route);
      });
    });
    this.routes = routes;

    const transitGatewayArn = stack.formatArn({
      service: 'ec2',
      resource: 'transit-gateway',
      resourceName: transitGatewayId,
    });
    this.shares = chunk([...new Set(props.customerAccounts)].sort(), ACCOUNTS_PER_RESOURCE_SHARE).map(
      (accounts, index) =>
        new CfnResourceShare(this, `Share${index + 1}`, {
          name: `panops-customer-transit-gateway-${index + 1}`,
          resourceArns: [transitGatewayArn],
          principals: accounts,
          // Customer accounts are members of the organization; nobody outside it.
          allowExternalPrincipals: false,
        }),
    );

    // A fixed output key: npx projen deploy reads it and passes it to the customer stacks.
    new CfnOutput(this, 'TransitGatewayId', {
      value: transitGatewayId,
      description: 'The Transit Gateway customer VPCs attach to (npx projen deploy passes it to the customer stacks)',
    }).overrideLogicalId('TransitGatewayId');
  }

  /** Deploy-time ModifyTransitGateway: new attachments are associated with the spoke table and propagate to the hub. */
  private routeTableDefaults(transitGatewayId: string, props: TransitGatewayHubProps): AwsCustomResource {
    const stack = Stack.of(this);
    const { role, call } = deployTimeCalls(this, {
      roleId: 'DefaultsRole',
      logsId: 'DefaultsLogs',
      description: 'Sets the PanOps Transit Gateway default association and propagation route tables',
      policyName: 'ModifyTransitGateway',
      statements: [
        new PolicyStatement({
          actions: ['ec2:ModifyTransitGateway'],
          resources: [
            stack.formatArn({ service: 'ec2', resource: 'transit-gateway', resourceName: transitGatewayId }),
            stack.formatArn({
              service: 'ec2',
              resource: 'transit-gateway-route-table',
              resourceName: this.spokeRouteTable.ref,
            }),
            stack.formatArn({
              service: 'ec2',
              resource: 'transit-gateway-route-table',
              resourceName: this.hubRouteTable.ref,
            }),
          ],
        }),
        new PolicyStatement({
          // Network-interface actions support no resource-level permissions.
          actions: [...LAMBDA_VPC_ENI_ACTIONS],
          resources: ['*'],
        }),
      ],
      vpc: props.vpc,
      logKey: props.logKey,
    });
    const defaults = call('RouteTableDefaults', {
      service: 'EC2',
      action: 'modifyTransitGateway',
      parameters: {
        TransitGatewayId: transitGatewayId,
        Options: {
          DefaultRouteTableAssociation: 'enable',
          AssociationDefaultRouteTableId: this.spokeRouteTable.ref,
          DefaultRouteTablePropagation: 'enable',
          PropagationDefaultRouteTableId: this.hubRouteTable.ref,
        },
      },
      physicalResourceId: PhysicalResourceId.of(`${transitGatewayId}-route-table-defaults`),
    });
    acknowledge(
      role,
      ['NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy'],
      'The role’s one policy belongs to it alone (modify this Transit Gateway, manage its own network interfaces, write its own log group).',
    );
    acknowledge(
      role,
      ['AwsSolutions::AwsSolutions-IAM5[Resource::*]'],
      'Network-interface actions support no resource-level permissions; they let the deploy-time function run in the VPC.',
    );
    acknowledgeVpcCustomResourceProvider(this);
    return defaults;
  }
}
