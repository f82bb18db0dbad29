import { Stack } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogMaxAggregationInterval,
  FlowLogTrafficType,
  type GatewayVpcEndpoint,
  GatewayVpcEndpointAwsService,
  type InterfaceVpcEndpoint,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  type SubnetSelection,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { AnyPrincipal, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { tagRole } from './tenant-tags.js';

export interface IsolatedVpcProps {
  /** The VPC's IPv4 CIDR (the customer's `vpcCidr`, disjoint from every peer). */
  readonly cidr: string;
  /** Zones of the isolated subnets, at least two (the database's writer and reader). */
  readonly availabilityZones: readonly string[];
  /** CIDRs of peered networks whose workloads may call the interface endpoints (shared compute). */
  readonly peerCidrs: readonly string[];
  /** Bucket that receives the VPC flow logs (all traffic). */
  readonly flowLogBucket: IBucket;
  /** Interface endpoints besides the S3 gateway endpoint. @default KMS and Secrets Manager */
  readonly interfaceEndpoints?: readonly InterfaceVpcEndpointAwsService[];
}

/** Where the VPC's flow logs land in the account's log bucket. */
export const FLOW_LOG_PREFIX = 'vpc-flow-logs/';

/** Subnet prefix: two bits below the VPC's (room for a second subnet group later), at most /28. */
const subnetMaskFor = (cidr: string, zones: number): number => {
  const prefix = Number(cidr.split('/')[1]);
  const mask = Math.min(prefix + 2, 28);
  if (2 ** (mask - prefix) < zones) {
    throw new RangeError(`IsolatedVpc: ${cidr} is too small for ${zones} subnets of at least /28`);
  }
  return mask;
};

/**
 * The customer VPC: isolated subnets only, so no internet gateway, no NAT
 * gateway, no public subnet and no route to the internet. AWS APIs are reached
 * privately through an S3 gateway endpoint and interface endpoints (KMS,
 * Secrets Manager); the only other path is the peering to shared compute,
 * added by `SharedComputePeering`. Flow logs record all traffic.
 */
export class IsolatedVpc extends Construct {
  readonly vpc: Vpc;
  readonly subnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_ISOLATED };
  readonly s3Endpoint: GatewayVpcEndpoint;
  readonly endpointSecurityGroup: SecurityGroup;
  readonly interfaceEndpoints: InterfaceVpcEndpoint[];

  constructor(scope: Construct, id: string, props: IsolatedVpcProps) {
    super(scope, id);
    if (props.availabilityZones.length < 2) {
      throw new RangeError(
        `IsolatedVpc: at least two availability zones are needed, got ${props.availabilityZones.length}`,
      );
    }
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(props.cidr),
      availabilityZones: [...props.availabilityZones],
      subnetConfiguration: [
        {
          name: 'isolated',
          subnetType: SubnetType.PRIVATE_ISOLATED,
          cidrMask: subnetMaskFor(props.cidr, props.availabilityZones.length),
        },
      ],
      natGateways: 0,
      createInternetGateway: false,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      // Nothing may use the default security group: a custom resource removes its rules.
      restrictDefaultSecurityGroup: true,
      flowLogs: {
        all: {
          destination: FlowLogDestination.toS3(props.flowLogBucket, FLOW_LOG_PREFIX),
          trafficType: FlowLogTrafficType.ALL,
          maxAggregationInterval: FlowLogMaxAggregationInterval.TEN_MINUTES,
        },
      },
    });

    this.allowFlowLogDelivery(props.flowLogBucket);

    // S3 through the route tables; in-VPC callers reach only this account's buckets and
    // CloudFormation's custom resource response buckets (the migration hook answers there).
    this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', {
      service: GatewayVpcEndpointAwsService.S3,
      subnets: [this.subnets],
    });
    const { account, partition } = Stack.of(this);
    this.s3Endpoint.addToPolicy(
      new PolicyStatement({
        sid: 'OwnAccountBuckets',
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:GetObjectVersion', 's3:AbortMultipartUpload'],
        resources: ['*'],
        conditions: { StringEquals: { 's3:ResourceAccount': account } },
      }),
    );
    this.s3Endpoint.addToPolicy(
      new PolicyStatement({
        sid: 'CloudFormationCustomResourceResponses',
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [`arn:${partition}:s3:::cloudformation-custom-resource-response-*/*`],
      }),
    );

    this.endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
      vpc: this.vpc,
      description: 'Interface endpoints: HTTPS from this VPC and from shared compute only',
      allowAllOutbound: false,
    });
    for (const cidr of [props.cidr, ...props.peerCidrs]) {
      this.endpointSecurityGroup.addIngressRule(Peer.ipv4(cidr), Port.tcp(443), `HTTPS from ${cidr}`);
    }
    const services = props.interfaceEndpoints ?? [
      InterfaceVpcEndpointAwsService.KMS,
      InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    ];
    this.interfaceEndpoints = services.map((service) =>
      this.vpc.addInterfaceEndpoint(`${service.shortName.replace(/[^a-zA-Z0-9]/g, '')}Endpoint`, {
        service,
        subnets: this.subnets,
        privateDnsEnabled: true,
        securityGroups: [this.endpointSecurityGroup],
        open: false,
      }),
    );
    tagRole(this.vpc, 'customer-vpc');
  }

  /** Route tables of the isolated subnets (where peering routes go). */
  get routeTableIds(): string[] {
    return this.vpc.isolatedSubnets.map((subnet) => subnet.routeTable.routeTableId);
  }

  /**
   * The bucket policy statements VPC flow log delivery needs, granted here
   * rather than left to EC2 adding them at CreateFlowLogs (which needs
   * s3:PutBucketPolicy by the deployer and rewrites a policy CloudFormation
   * owns). Only this account's log deliveries, only under the flow-log prefix.
   * https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-S3.html
   */
  private allowFlowLogDelivery(bucket: IBucket): void {
    const { account, region, partition } = Stack.of(this);
    const fromThisAccountsDeliveries = {
      StringEquals: { 'aws:SourceAccount': account },
      ArnLike: { 'aws:SourceArn': `arn:${partition}:logs:${region}:${account}:*` },
    };
    const delivery = new ServicePrincipal('delivery.logs.amazonaws.com');
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AWSLogDeliveryAclCheck',
        principals: [delivery],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: fromThisAccountsDeliveries,
      }),
    );
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AWSLogDeliveryWrite',
        principals: [delivery],
        actions: ['s3:PutObject'],
        resources: [bucket.arnForObjects(`${FLOW_LOG_PREFIX}AWSLogs/${account}/*`)],
        conditions: {
          ...fromThisAccountsDeliveries,
          StringEquals: { ...fromThisAccountsDeliveries.StringEquals, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
      }),
    );
  }
}
