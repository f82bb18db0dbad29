import { Annotations, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import {
  type Blueprint,
  CUSTOMER_DATABASE,
  type DedicatedCustomer,
  ROLE_NAMES,
  roleArn,
  usesTransitGateway,
} from '../config/index.js';
import { DIRECTORY_PARAMETERS } from '../services/directory/parameter-names.js';
import { ArchiveBucket } from './archive-bucket.js';
import { availabilityZonesFor } from './availability-zones.js';
import { CrossAccountAccess } from './cross-account-access.js';
import { CustomerKey } from './customer-key.js';
import { CustomerTrail } from './customer-trail.js';
import { IsolatedVpc } from './isolated-vpc.js';
import type { LockedBucket } from './locked-bucket.js';
import { LogDestinationBucket } from './log-destination-bucket.js';
import { MigrationHook } from './migration-hook.js';
import type { MigrationBundle } from './migration-sources.js';
import { PublishedLocations } from './published-locations.js';
import { SharedComputeAttachment } from './shared-compute-attachment.js';
import { SharedComputePeering } from './shared-compute-peering.js';
import { TenantDatabase } from './tenant-database.js';
import { tagCustomerScope } from './tenant-tags.js';

export interface CustomerStackProps extends StackProps {
  readonly blueprint: Blueprint;
  readonly customer: DedicatedCustomer;
  /** Migrations the hook applies (tests pin them). @default the files of `sql/` */
  readonly migrations?: MigrationBundle;
}

/**
 * One customer's own account: an isolated VPC peered to shared compute, the
 * customer key, the archive bucket, the Aurora cluster with its migration
 * hook, the customer's trail and the one role PanOps workloads assume.
 */
export class CustomerStack extends Stack {
  readonly key: CustomerKey;
  readonly network: IsolatedVpc;
  readonly peering?: SharedComputePeering;
  /** The Transit Gateway attachment (transit-gateway network mode), instead of the peering. */
  readonly attachment?: SharedComputeAttachment;
  readonly logBucket: LockedBucket;
  readonly archive: ArchiveBucket;
  readonly database: TenantDatabase;
  readonly migrations: MigrationHook;
  readonly trail: CustomerTrail;
  readonly dataAccess: CrossAccountAccess;
  /** Where the archive and database are, for the workloads' customer directory (`/panops/customer/...`). */
  readonly locations: PublishedLocations;

  constructor(scope: Construct, id: string, props: CustomerStackProps) {
    // The account holds the customer's only copy of its data: deleting the stack takes a deliberate step.
    super(scope, id, { terminationProtection: true, ...props });
    const { blueprint, customer } = props;
    const { sharedCompute, organization } = blueprint;
    const [writerZone, readerZone] = this.availabilityZones as [string, string];

    this.key = new CustomerKey(this, 'CustomerKey', { alias: `panops/${customer.slug}` });

    this.logBucket = new LogDestinationBucket(this, 'LogBucket', {
      encryptionKey: this.key.key,
      retentionDays: customer.retentionDays,
      servedBuckets: 'the account’s',
      readsRecordedBy: 'the customer trail',
    });

    this.network = new IsolatedVpc(this, 'Network', {
      cidr: customer.vpcCidr,
      availabilityZones: [writerZone, readerZone],
      peerCidrs: [sharedCompute.vpcCidr],
      flowLogBucket: this.logBucket.bucket,
    });
    if (usesTransitGateway(blueprint)) {
      const transitGatewayId = sharedCompute.network?.transitGatewayId;
      if (transitGatewayId)
        this.attachment = new SharedComputeAttachment(this, 'SharedComputeAttachment', {
          vpcId: this.network.vpc.vpcId,
          subnetIds: this.network.vpc.selectSubnets({ ...this.network.subnets, onePerAz: true }).subnetIds,
          routeTableIds: this.network.routeTableIds,
          transitGatewayId,
          sharedComputeCidr: sharedCompute.vpcCidr,
        });
      else
        Annotations.of(this).addWarningV2(
          'panops:attachment-pending',
          'sharedCompute.network.transitGatewayId is not set in the blueprint: this customer VPC is synthesized without its Transit Gateway attachment. Deploy the shared compute stacks, set the Transit Gateway id, and deploy again.',
        );
    } else if (sharedCompute.vpcId) {
      this.peering = new SharedComputePeering(this, 'SharedComputePeering', {
        vpcId: this.network.vpc.vpcId,
        routeTableIds: this.network.routeTableIds,
        peerAccountId: sharedCompute.accountId,
        peerVpcId: sharedCompute.vpcId,
        peerCidr: sharedCompute.vpcCidr,
        peerRegion: organization.homeRegion,
        peerRoleArn: roleArn(sharedCompute.accountId, ROLE_NAMES.peeringAccepter),
      });
    } else {
      Annotations.of(this).addWarningV2(
        'panops:peering-pending',
        'sharedCompute.vpcId is not set in the blueprint: this customer VPC is synthesized without its peering to shared compute. Deploy the shared compute stack, set its VPC id, and deploy again.',
      );
    }

    this.archive = new ArchiveBucket(this, 'Archive', {
      encryptionKey: this.key.key,
      retentionDays: customer.retentionDays,
      objectLockMode: customer.objectLock?.mode,
      serverAccessLogs: { destination: this.logBucket, prefix: 'archive/' },
    });

    this.database = new TenantDatabase(this, 'Database', {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      writerAvailabilityZone: writerZone,
      readerAvailabilityZone: readerZone,
      encryptionKey: this.key.key,
      capacity: customer.database,
      clusterIdentifier: `panops-${customer.slug}`,
      allowedCidrs: [sharedCompute.vpcCidr],
      databaseName: CUSTOMER_DATABASE.name,
      adminUser: CUSTOMER_DATABASE.adminUser,
      port: CUSTOMER_DATABASE.port,
      backupRetentionDays: 7,
    });

    this.migrations = new MigrationHook(this, 'Migrations', {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      database: this.database,
      key: this.key,
      appRole: CUSTOMER_DATABASE.iamAppUser,
      migrations: props.migrations,
    });

    this.trail = new CustomerTrail(this, 'Trail', {
      trailName: `panops-${customer.slug}`,
      encryptionKey: this.key.key,
      retentionDays: customer.retentionDays,
      objectLockMode: customer.objectLock?.mode ?? 'GOVERNANCE',
      serverAccessLogs: { destination: this.logBucket, prefix: 'trail/' },
      dataEventBuckets: [this.archive.bucket],
    });

    this.dataAccess = new CrossAccountAccess(this, 'DataAccess', {
      sharedComputeAccountId: sharedCompute.accountId,
      organizationId: organization.organizationId,
      archiveBucket: this.archive.bucket,
      key: this.key,
      databaseConnectArn: this.database.iamConnectArn(CUSTOMER_DATABASE.iamAppUser),
    });

    this.locations = new PublishedLocations(this, 'Locations', {
      root: DIRECTORY_PARAMETERS.customerRoot,
      archiveBucket: this.archive.bucket,
      archiveKey: this.key.key,
      databaseEndpoint: this.database.cluster.clusterEndpoint.hostname,
      databasePort: CUSTOMER_DATABASE.port,
      databaseName: CUSTOMER_DATABASE.name,
      databaseUser: CUSTOMER_DATABASE.iamAppUser,
      reader: this.dataAccess.role,
    });

    const restrictDefaultSg = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg) {
      acknowledge(
        restrictDefaultSg,
        ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
        'CDK’s deploy-time provider that removes the default security group’s rules calls only the EC2 API and never touches customer data; inside the isolated VPC it would need an EC2 endpoint for that one call.',
      );
    }
    tagCustomerScope(this, customer);
  }

  /**
   * Zones named from the region rather than looked up: with an explicit env
   * CDK would need credentials (or return dummy names) to list them.
   */
  override get availabilityZones(): string[] {
    return availabilityZonesFor(this.region, 2);
  }
}
