import type { CfnRoute, IVpc } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledge, iam5 } from '../../common/acknowledge.js';
import { LAMBDA_VPC_ENI_ACTIONS } from '../../common/lambda-vpc.js';
import type { DedicatedCustomer } from '../../config/index.js';
import { routesThrough } from '../../data-plane/routes-through.js';
import { acknowledgeVpcCustomResourceProvider, deployTimeCalls } from './custom-resource-provider.js';

/** Response path of the peering connection id in `DescribeVpcPeeringConnections`. */
const PEERING_ID_PATH = 'VpcPeeringConnections.0.VpcPeeringConnectionId';

/** The `DescribeVpcPeeringConnections` filters that find one customer's active peering to the shared VPC. */
export const peeringFilters = (vpcId: string, customer: DedicatedCustomer) => [
  { Name: 'accepter-vpc-info.vpc-id', Values: [vpcId] },
  { Name: 'requester-vpc-info.cidr-block', Values: [customer.vpcCidr] },
  { Name: 'status-code', Values: ['active'] },
  ...(customer.accountId ? [{ Name: 'requester-vpc-info.owner-id', Values: [customer.accountId] }] : []),
];

export interface PeeringRoutesProps {
  /** The shared compute VPC (its private subnets host the lookup function). */
  readonly vpc: IVpc;
  /** Route tables of the private subnets: each gets one route per customer. */
  readonly routeTableIds: readonly string[];
  /** The customers whose peering (requested by their stacks) gets routes. */
  readonly customers: readonly DedicatedCustomer[];
  readonly logKey: IKey;
}

/**
 * The shared compute side of each customer's VPC peering. Every dedicated
 * customer stack requests a peering to the shared VPC (and has it accepted
 * through `panops-vpc-peering-accepter`); here, at deploy time, a lookup finds
 * that active peering by accepter VPC, requester CIDR and owner, and one route
 * per private route table sends the customer's CIDR through it. Per customer:
 * one lookup and one route per route table.
 */
export class PeeringRoutes extends Construct {
  readonly routes: readonly CfnRoute[];
  readonly customers: readonly DedicatedCustomer[];

  constructor(scope: Construct, id: string, props: PeeringRoutesProps) {
    super(scope, id);
    this.customers = props.customers;
    const lookups = deployTimeCalls(this, {
      roleId: 'LookupRole',
      logsId: 'LookupLogs',
      description: 'Finds customer VPC peering connections to the shared compute VPC',
      policyName: 'Lookup',
      statements: [
        new PolicyStatement({
          // Describe calls support no resource-level permissions.
          actions: ['ec2:DescribeVpcPeeringConnections', ...LAMBDA_VPC_ENI_ACTIONS],
          resources: ['*'],
        }),
      ],
      vpc: props.vpc,
      logKey: props.logKey,
    });
    const lookupRole = lookups.role;
    const routes: CfnRoute[] = [];
    for (const customer of props.customers) {
      const lookup = lookups.call(`${customer.slug}-Peering`, {
        service: 'EC2',
        action: 'describeVpcPeeringConnections',
        parameters: { Filters: peeringFilters(props.vpc.vpcId, customer) },
        physicalResourceId: PhysicalResourceId.fromResponse(PEERING_ID_PATH),
        outputPaths: [PEERING_ID_PATH],
      });
      const peeringId = lookup.getResponseField(PEERING_ID_PATH);
      routes.push(
        ...routesThrough(this, `${customer.slug}-Route`, props.routeTableIds, customer.vpcCidr, {
          vpcPeeringConnectionId: peeringId,
        }),
      );
    }
    this.routes = routes;
    acknowledge(
      lookupRole,
      ['NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy'],
      'The lookup role’s one policy belongs to it alone (read peering connections, write its own log group).',
    );
    acknowledge(
      lookupRole,
      [iam5('Resource::*')],
      'Describe and network-interface EC2 actions support no resource-level permissions; the role can only read peering connections and manage its own Lambda network interfaces.',
    );
    acknowledgeVpcCustomResourceProvider(this);
  }
}
