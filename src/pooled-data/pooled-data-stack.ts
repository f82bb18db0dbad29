import { Annotations, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import {
  AWS_LIMITS,
  type Blueprint,
  CUSTOMER_DATABASE,
  pooledCustomers,
  ROLE_NAMES,
  roleArn,
  TAG_KEYS,
} from '../config/index.js';
import { DIRECTORY_PARAMETERS } from '../services/directory/parameter-names.js';
import { REACHES_CUSTOMER_DATA, type Workload } from '../shared-compute/constructs/workload-roles.js';
import { availabilityZonesFor } from '../tenant/availability-zones.js';
import { CustomerKey } from '../tenant/customer-key.js';
import { CustomerTrail } from '../tenant/customer-trail.js';
import { IsolatedVpc } from '../tenant/isolated-vpc.js';
import type { LockedBucket } from '../tenant/locked-bucket.js';
import { LogDestinationBucket } from '../tenant/log-destination-bucket.js';
import { MigrationHook } from '../tenant/migration-hook.js';
import type { MigrationBundle } from '../tenant/migration-sources.js';
import { PublishedLocations } from '../tenant/published-locations.js';
import { SharedComputePeering } from '../tenant/shared-compute-peering.js';
import { TenantDatabase } from '../tenant/tenant-database.js';
import { tagRole } from '../tenant/tenant-tags.js';
import { POOLED_DATA } from './naming.js';
import { PooledArchive } from './pooled-archive.js';
import { PooledDataAccess } from './pooled-data-access.js';
import { SameAccountPeering } from './same-account-peering.js';

/** The shared compute VPC, when the pooled cluster lives in the same account (referenced, not looked up). */
export interface SharedComputeNetwork {
  readonly vpcId: string;
  /** Route tables of its private (workload) subnets. */
  readonly privateRouteTableIds: readonly string[];
}

export interface PooledDataStackProps extends StackProps {
  /** Must declare `pooledData`. */
  readonly blueprint: Blueprint;
  /**
   * The shared compute network, to peer with and route from in the same
   * account. Without it (a separate pooled-data account) the stack requests a
   * cross-account peering through the shared compute accepter role, like a
   * customer account, once `sharedCompute.vpcId` is known.
   * @default none
   */
  readonly sharedComputeNetwork?: SharedComputeNetwork;
  /** Migrations the hook applies (tests pin them). @default the files of `sql/` */
  readonly migrations?: MigrationBundle;
}

/** Workload roles that reach customer data (the same ones a dedicated account trusts). */
const dataWorkloadRoleNames = (): string[] =>
  (Object.keys(REACHES_CUSTOMER_DATA) as Workload[]).filter((w) => REACHES_CUSTOMER_DATA[w]).map((w) => ROLE_NAMES[w]);

/**
 * The pooled tier: the seed's current database, one Aurora Serverless v2
 * PostgreSQL 15 cluster (0.5–16 ACU, writer plus a reader in a second zone,
 * 7-day backups, deletion protection, IAM auth, pgvector and pg_trgm, the
 * same migrations and row-level security as every dedicated database) shared
 * by the pooled customers, in an isolated VPC (no internet gateway, no NAT)
 * peered to shared compute only. Everything is encrypted with a
 * PanOps-managed customer-managed key (the seed's current value is an
 * AWS-managed key). One archive bucket with a prefix per customer, reached
 * through an attribute-scoped role; a trail records every object access.
 */
export class PooledDataStack extends Stack {
  readonly key: CustomerKey;
  readonly logBucket: LockedBucket;
  readonly network: IsolatedVpc;
  readonly peering: SameAccountPeering | SharedComputePeering | undefined;
  readonly archive: PooledArchive;
  readonly database: TenantDatabase;
  readonly migrations: MigrationHook;
  readonly trail: CustomerTrail;
  readonly dataAccess: PooledDataAccess;
  /** Where the pooled cluster and archive are, for the workloads' customer directory (`/panops/pooled/...`). */
  readonly locations: PublishedLocations;

  constructor(scope: Construct, id: string, props: PooledDataStackProps) {
    // The cluster holds every pooled customer's only copy: deleting the stack takes a deliberate step.
    super(scope, id, { terminationProtection: true, ...props });
    const { blueprint } = props;
    const { sharedCompute, organization, pooledData } = blueprint;
    if (!pooledData) throw new Error('PooledDataStack: the blueprint declares no pooledData');
    const customers = pooledCustomers(blueprint);
    const [writerZone, readerZone] = this.availabilityZones as [string, string];
    const retentionDays = Math.max(2557, ...customers.map((c) => c.retentionDays));

    this.key = new CustomerKey(this, 'PooledKey', {
      alias: POOLED_DATA.keyAlias,
      description:
        'PanOps-managed key of the pooled tier: pooled cluster, its secret and logs, the pooled archive (per-customer encryption context) and trail',
    });

    this.logBucket = new LogDestinationBucket(this, 'LogBucket', {
      encryptionKey: this.key.key,
      retentionDays: retentionDays,
      servedBuckets: 'the pooled tier’s',
      readsRecordedBy: 'the pooled data trail',
    });

    this.network = new IsolatedVpc(this, 'Network', {
      cidr: pooledData.vpcCidr,
      availabilityZones: [writerZone, readerZone],
      peerCidrs: [sharedCompute.vpcCidr],
      flowLogBucket: this.logBucket.bucket,
    });
    Tags.of(this.network.vpc).add(TAG_KEYS.role, 'pooled-data-vpc', { priority: 200 });
    this.peering = this.peerWithSharedCompute(props);

    this.archive = new PooledArchive(this, 'Archive', {
      encryptionKey: this.key.key,
      customers,
      serverAccessLogs: { destination: this.logBucket, prefix: 'archive/' },
      bucketRetentionDays: retentionDays,
    });

    this.database = new TenantDatabase(this, 'Database', {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      writerAvailabilityZone: writerZone,
      readerAvailabilityZone: readerZone,
      encryptionKey: this.key.key,
      capacity: pooledData.database,
      capacityLimits: AWS_LIMITS.pooledAcu,
      clusterIdentifier: POOLED_DATA.clusterIdentifier,
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
      trailName: POOLED_DATA.trailName,
      encryptionKey: this.key.key,
      retentionDays,
      objectLockMode: 'GOVERNANCE',
      serverAccessLogs: { destination: this.logBucket, prefix: 'trail/' },
      dataEventBuckets: [this.archive.bucket],
    });

    const sameAccount = this.account === sharedCompute.accountId;
    const workloadRoleNames = dataWorkloadRoleNames();
    this.dataAccess = new PooledDataAccess(this, 'DataAccess', {
      sharedComputeAccountId: sharedCompute.accountId,
      workloadRoleNames,
      organizationId: organization.organizationId,
      archiveBucket: this.archive.bucket,
      key: this.key,
      databaseConnectArn: this.database.iamConnectArn(CUSTOMER_DATABASE.iamAppUser),
      grantAssumeTo: sameAccount
        ? workloadRoleNames.map((name) =>
            Role.fromRoleArn(this, `Workload-${name}`, roleArn(sharedCompute.accountId, name), { mutable: true }),
          )
        : [],
    });
    this.locations = new PublishedLocations(this, 'Locations', {
      root: DIRECTORY_PARAMETERS.pooledRoot,
      archiveBucket: this.archive.bucket,
      archiveKey: this.key.key,
      databaseEndpoint: this.database.cluster.clusterEndpoint.hostname,
      databasePort: CUSTOMER_DATABASE.port,
      databaseName: CUSTOMER_DATABASE.name,
      databaseUser: CUSTOMER_DATABASE.iamAppUser,
      reader: this.dataAccess.role,
      readerPolicy: this.dataAccess.policy,
    });
    this.acknowledgeScopedWildcards();
    tagRole(this, 'pooled-data');
    Tags.of(this).add(TAG_KEYS.dataClassification, 'confidential');
  }

  /** Zones named from the region (see `availabilityZonesFor`): synth needs no credentials. */
  override get availabilityZones(): string[] {
    return availabilityZonesFor(this.region, 2);
  }

  private peerWithSharedCompute(props: PooledDataStackProps): SameAccountPeering | SharedComputePeering | undefined {
    const { sharedCompute, organization, pooledData } = props.blueprint;
    const cidr = pooledData?.vpcCidr ?? '';
    if (props.sharedComputeNetwork) {
      return new SameAccountPeering(this, 'SharedComputePeering', {
        vpcId: this.network.vpc.vpcId,
        cidr,
        routeTableIds: this.network.routeTableIds,
        peerVpcId: props.sharedComputeNetwork.vpcId,
        peerCidr: sharedCompute.vpcCidr,
        peerRouteTableIds: props.sharedComputeNetwork.privateRouteTableIds,
      });
    }
    if (sharedCompute.vpcId) {
      return new SharedComputePeering(this, 'SharedComputePeering', {
        vpcId: this.network.vpc.vpcId,
        routeTableIds: this.network.routeTableIds,
        peerAccountId: sharedCompute.accountId,
        peerVpcId: sharedCompute.vpcId,
        peerCidr: sharedCompute.vpcCidr,
        peerRegion: organization.homeRegion,
        peerRoleArn: roleArn(sharedCompute.accountId, ROLE_NAMES.peeringAccepter),
      });
    }
    Annotations.of(this).addWarningV2(
      'panops:peering-pending',
      'Neither the shared compute network nor sharedCompute.vpcId is known: the pooled data VPC is synthesized without its peering. Deploy the shared compute stack, set its VPC id, and deploy again.',
    );
    return undefined;
  }

  /** The findings this stack accepts beyond those its reused constructs acknowledge themselves. */
  private acknowledgeScopedWildcards(): void {
    const restrictDefaultSg = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg) {
      acknowledge(
        restrictDefaultSg,
        ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
        'CDK’s deploy-time provider that removes the default security group’s rules calls only the EC2 API and never touches customer data; inside the isolated VPC it would need an EC2 endpoint for that one call.',
      );
    }
  }
}
