import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IRole, ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { CUSTOMER_DATABASE } from '../config/index.js';
import { accountAvailabilityZones } from './availability-zones.js';
import { CustomerKey } from './customer-key.js';
import { CustomerTrail } from './customer-trail.js';
import { IsolatedVpc } from './isolated-vpc.js';
import type { ObjectLockMode, ServerAccessLogs } from './locked-bucket.js';
import { LogDestinationBucket } from './log-destination-bucket.js';
import { MigrationHook } from './migration-hook.js';
import type { MigrationBundle } from './migration-sources.js';
import { PublishedLocations } from './published-locations.js';
import { RawEventWriter, type RawEventWriterProps } from './raw-event-writer.js';
import { TenantDatabase } from './tenant-database.js';

/** What holds customer data in an account: an archive (dedicated: one bucket; pooled: one with a prefix per customer). */
export interface ArchiveLike {
  readonly bucket: IBucket;
}

/** The role shared compute workloads assume to reach the data, and (optionally) the one policy it keeps its permissions in. */
export interface DataAccessLike {
  readonly role: IRole;
  readonly policy?: ManagedPolicy;
}

/** The parts of the plane the archive and the data-access role are built from. */
export interface DataPlaneParts {
  readonly key: CustomerKey;
  readonly logBucket: LogDestinationBucket;
  readonly network: IsolatedVpc;
  readonly database: TenantDatabase;
}

export interface DataPlaneProps<Archive extends ArchiveLike, Access extends DataAccessLike, Connection> {
  /** Construct id of the key (`CustomerKey`, `PooledKey`): logical ids are the deployed resources' identity. */
  readonly keyId: string;
  /** Key alias without `alias/`. */
  readonly keyAlias: string;
  /** @default CustomerKey's description */
  readonly keyDescription?: string;
  /** Days logs and trail objects are kept. */
  readonly retentionDays: number;
  readonly vpcCidr: string;
  /** The shared compute VPC's CIDR: the only network that may reach the endpoints and the database. */
  readonly sharedComputeCidr: string;
  readonly database: {
    readonly clusterIdentifier: string;
    readonly capacity: { readonly min: number; readonly max: number };
    readonly capacityLimits?: { readonly min: number; readonly max: number };
  };
  readonly trail: { readonly name: string; readonly objectLockMode: ObjectLockMode };
  /** Root of the published locations (`DIRECTORY_PARAMETERS.customerRoot` or `.pooledRoot`). */
  readonly directoryRoot: string;
  /** Migrations the hook applies (tests pin them). @default the files of `sql/` */
  readonly migrations?: MigrationBundle;
  /** The one customer a dedicated database is bound to at deploy; absent for the pooled cluster. */
  readonly databaseCustomerId?: string;
  /** Connects the isolated VPC to shared compute (peering or a Transit Gateway attachment), or returns undefined and says why. */
  readonly connect: (network: IsolatedVpc) => Connection;
  /** Builds the archive, logging into the plane's log bucket. */
  readonly archive: (props: { readonly key: CustomerKey; readonly serverAccessLogs: ServerAccessLogs }) => Archive;
  /** Builds the role workloads assume to reach the archive, the key and the database. */
  readonly dataAccess: (parts: DataPlaneParts & { readonly archive: Archive }) => Access;
  /** The webhook handler's write-only role in this account (the archive, key and locations are the plane's). */
  readonly rawEventWriter: Pick<
    RawEventWriterProps,
    'roleName' | 'description' | 'sharedComputeAccountId' | 'organizationId' | 'customerPrefix' | 'session'
  > & {
    /** The handler role to grant the assume to (same account only), built when the writer is. @default none */
    readonly grantAssumeTo?: () => IRole;
  };
}

/**
 * A stack that holds customer data (a customer's own account, the pooled
 * tier): deleting it takes a deliberate step, and its zones are drawn from
 * the account at deploy (Fn::GetAZs) so synth needs no credentials. Its
 * parts are those of the {@link DataPlane} the subclass composes.
 */
export abstract class DataPlaneStack<
  Archive extends ArchiveLike = ArchiveLike,
  Access extends DataAccessLike = DataAccessLike,
  Connection = unknown,
> extends Stack {
  /** The stack's data plane, composed in the subclass's constructor. */
  protected abstract readonly plane: DataPlane<Archive, Access, Connection>;

  constructor(scope: Construct, id: string, props: StackProps) {
    // The account holds its customers' only copy of their data.
    super(scope, id, { terminationProtection: true, ...props });
  }

  /** The account's own zones, resolved at deploy (see `accountAvailabilityZones`): synth needs no credentials. */
  override get availabilityZones(): string[] {
    return accountAvailabilityZones(2);
  }

  get key(): CustomerKey {
    return this.plane.key;
  }
  get logBucket(): LogDestinationBucket {
    return this.plane.logBucket;
  }
  get network(): IsolatedVpc {
    return this.plane.network;
  }
  get archive(): Archive {
    return this.plane.archive;
  }
  get database(): TenantDatabase {
    return this.plane.database;
  }
  get migrations(): MigrationHook {
    return this.plane.migrations;
  }
  get trail(): CustomerTrail {
    return this.plane.trail;
  }
  get dataAccess(): Access {
    return this.plane.dataAccess;
  }
  /** Where the archive and database are, for the workloads' customer directory. */
  get locations(): PublishedLocations {
    return this.plane.locations;
  }
  /** The webhook handler's write-only role: raw events under the customer's `raw/` prefix, nothing else. */
  get rawEventWriter(): RawEventWriter {
    return this.plane.rawEventWriter;
  }
}

/**
 * Everything that keeps customer data in one account, composed once for the
 * customer stack and the pooled-data stack: the key, the log bucket, the
 * isolated VPC and its connection to shared compute, the archive (built by
 * the caller), the Aurora cluster and its migration hook, the trail that
 * records every archive access, the data-access role (built by the caller)
 * and the published locations the workloads read. Construct ids are the
 * stack's own, so logical ids do not depend on this composition.
 */
export class DataPlane<Archive extends ArchiveLike, Access extends DataAccessLike, Connection> {
  readonly key: CustomerKey;
  readonly logBucket: LogDestinationBucket;
  readonly network: IsolatedVpc;
  readonly connection: Connection;
  readonly archive: Archive;
  readonly database: TenantDatabase;
  readonly migrations: MigrationHook;
  readonly trail: CustomerTrail;
  readonly dataAccess: Access;
  readonly locations: PublishedLocations;
  readonly rawEventWriter: RawEventWriter;

  constructor(stack: Stack, props: DataPlaneProps<Archive, Access, Connection>) {
    const [writerZone, readerZone] = stack.availabilityZones as [string, string];
    this.key = new CustomerKey(stack, props.keyId, { alias: props.keyAlias, description: props.keyDescription });
    this.logBucket = new LogDestinationBucket(stack, 'LogBucket', {
      encryptionKey: this.key.encryptionKey,
      retentionDays: props.retentionDays,
    });
    this.network = new IsolatedVpc(stack, 'Network', {
      cidr: props.vpcCidr,
      availabilityZones: [writerZone, readerZone],
      peerCidrs: [props.sharedComputeCidr],
      flowLogBucket: this.logBucket.bucket,
    });
    this.connection = props.connect(this.network);
    this.archive = props.archive({
      key: this.key,
      serverAccessLogs: { destination: this.logBucket, prefix: 'archive/' },
    });
    this.database = new TenantDatabase(stack, 'Database', {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      writerAvailabilityZone: writerZone,
      readerAvailabilityZone: readerZone,
      encryptionKey: this.key.encryptionKey,
      capacity: props.database.capacity,
      capacityLimits: props.database.capacityLimits,
      clusterIdentifier: props.database.clusterIdentifier,
      allowedCidrs: [props.sharedComputeCidr],
      databaseName: CUSTOMER_DATABASE.name,
      adminUser: CUSTOMER_DATABASE.adminUser,
      port: CUSTOMER_DATABASE.port,
      backupRetentionDays: 7,
    });
    this.migrations = new MigrationHook(stack, 'Migrations', {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      database: this.database,
      key: this.key,
      appRole: CUSTOMER_DATABASE.iamAppUser,
      migrations: props.migrations,
      ...(props.databaseCustomerId === undefined ? {} : { bindToCustomer: props.databaseCustomerId }),
    });
    this.trail = new CustomerTrail(stack, 'Trail', {
      trailName: props.trail.name,
      encryptionKey: this.key.encryptionKey,
      retentionDays: props.retentionDays,
      objectLockMode: props.trail.objectLockMode,
      serverAccessLogs: { destination: this.logBucket, prefix: 'trail/' },
      dataEventBuckets: [this.archive.bucket],
    });
    this.dataAccess = props.dataAccess({
      key: this.key,
      logBucket: this.logBucket,
      network: this.network,
      database: this.database,
      archive: this.archive,
    });
    this.locations = new PublishedLocations(stack, 'Locations', {
      root: props.directoryRoot,
      archiveBucket: this.archive.bucket,
      archiveKey: this.key.encryptionKey,
      databaseEndpoint: this.database.cluster.clusterEndpoint.hostname,
      databasePort: CUSTOMER_DATABASE.port,
      databaseName: CUSTOMER_DATABASE.name,
      databaseUser: CUSTOMER_DATABASE.iamAppUser,
      reader: this.dataAccess.role,
      readerPolicy: this.dataAccess.policy,
    });
    const restrictDefaultSg = stack.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider');
    if (restrictDefaultSg) {
      acknowledge(
        restrictDefaultSg,
        ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
        'CDK’s deploy-time provider that removes the default security group’s rules calls only the EC2 API and never touches customer data; inside the isolated VPC it would need an EC2 endpoint for that one call.',
      );
    }
    const { grantAssumeTo, ...writer } = props.rawEventWriter;
    const assumer = grantAssumeTo?.();
    this.rawEventWriter = new RawEventWriter(stack, 'RawEventWriter', {
      ...writer,
      archiveBucket: this.archive.bucket,
      key: this.key,
      locationParameters: [this.locations.parameters.archiveBucket, this.locations.parameters.archiveKeyArn],
      ...(assumer ? { grantAssumeTo: assumer } : {}),
    });
  }
}
