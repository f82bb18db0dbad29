import { Stack, Tags } from 'aws-cdk-lib';
import {
  type CfnVPC,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  IpAddresses,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';
import { TAG_KEYS } from '../../config/index.js';
import { encryptedLogGroup } from './encrypted-log-group.js';

/** Value of the `panops:role` tag that customer stacks look the shared compute VPC up by. */
export const SHARED_COMPUTE_VPC_ROLE = 'shared-compute-vpc';

export interface ComputeVpcProps {
  /** The VPC's IPv4 range (the blueprint's `sharedCompute.vpcCidr`). */
  readonly cidr: string;
  /**
   * Availability zones, named explicitly so that synth needs no account lookup.
   * The seed asks for at least two.
   */
  readonly availabilityZones: readonly string[];
  /** NAT gateways for the outbound platform API calls (M365, Gmail, Slack, Zoom, Twilio). @default 1 */
  readonly natGateways?: number;
  /** Key of the flow-log group. */
  readonly logKey: IKey;
}

/**
 * The shared compute VPC: private subnets (with egress through the NAT gateway)
 * where every workload runs, public subnets that hold only the NAT gateway,
 * S3 and DynamoDB gateway endpoints, and flow logs of all traffic.
 */
export class ComputeVpc extends Construct {
  readonly vpc: Vpc;

  constructor(scope: Construct, id: string, props: ComputeVpcProps) {
    super(scope, id);
    if (props.availabilityZones.length < 2)
      throw new RangeError(
        `ComputeVpc: availabilityZones needs at least two zones, got ${props.availabilityZones.length}`,
      );
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      natGateways: props.natGateways ?? 1,
      subnetConfiguration: [
        { name: 'nat', subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        { name: 'workloads', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      ],
      enableDnsHostnames: true,
      enableDnsSupport: true,
      restrictDefaultSecurityGroup: true,
      gatewayEndpoints: {
        s3: { service: GatewayVpcEndpointAwsService.S3, subnets: [{ subnetType: SubnetType.PRIVATE_WITH_EGRESS }] },
        dynamodb: {
          service: GatewayVpcEndpointAwsService.DYNAMODB,
          subnets: [{ subnetType: SubnetType.PRIVATE_WITH_EGRESS }],
        },
      },
    });
    Tags.of(this.vpc.node.defaultChild as CfnVPC).add(TAG_KEYS.role, SHARED_COMPUTE_VPC_ROLE);
    for (const subnet of this.vpc.publicSubnets)
      acknowledge(
        subnet,
        ['NIST.800.53.R5::NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW'],
        'Only the public subnets route to the internet gateway, and they hold only the NAT gateway (no instance gets a public IP); workloads run in the private subnets and reach the platform APIs outbound through NAT.',
      );
    // CDK's deploy-time function that empties the default security group runs outside the VPC.
    const restrictDefaultSg = Stack.of(this).node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg)
      acknowledge(
        restrictDefaultSg,
        ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
        'CDK’s provider that removes all rules from the VPC’s default security group runs once per deploy and touches no data; it cannot run inside the VPC whose default group it closes.',
      );
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(encryptedLogGroup(this, 'FlowLogs', props.logKey)),
      trafficType: FlowLogTrafficType.ALL,
    });
  }

  /** Route tables of the private subnets: where the routes to customer VPCs go. */
  get privateRouteTableIds(): string[] {
    return this.vpc.privateSubnets.map((subnet) => subnet.routeTable.routeTableId);
  }
}
