import { type StackProps, Tags } from 'aws-cdk-lib';
import { Role } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  AWS_LIMITS,
  type Blueprint,
  CUSTOMER_DATABASE,
  pooledCustomers,
  ROLE_NAMES,
  roleArn,
  TAG_KEYS,
} from '../config/index.js';
import { DIRECTORY_PARAMETERS } from '../contracts/directory.js';
import { POOLED_DATA, SESSION_CUSTOMER_VARIABLE, UUID_GLOB } from '../contracts/pooled-data.js';
import { dataWorkloadRoleNames } from '../contracts/workloads.js';
import { DataPlane, DataPlaneStack } from '../data-plane/data-plane.js';
import type { IsolatedVpc } from '../data-plane/isolated-vpc.js';
import type { MigrationBundle } from '../data-plane/migration-sources.js';
import { peeringToSharedCompute, SharedComputePeering } from '../data-plane/shared-compute-peering.js';
import { tagRole } from '../data-plane/tenant-tags.js';
import { PooledArchive } from './pooled-archive.js';
import { PooledDataAccess } from './pooled-data-access.js';

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
export class PooledDataStack extends DataPlaneStack<PooledArchive, PooledDataAccess, SharedComputePeering | undefined> {
  protected readonly plane: DataPlane<PooledArchive, PooledDataAccess, SharedComputePeering | undefined>;
  readonly peering: SharedComputePeering | undefined;

  constructor(scope: Construct, id: string, props: PooledDataStackProps) {
    super(scope, id, props);
    const { blueprint } = props;
    const { sharedCompute, organization, pooledData } = blueprint;
    if (!pooledData) throw new Error('PooledDataStack: the blueprint declares no pooledData');
    const customers = pooledCustomers(blueprint);
    const retentionDays = Math.max(2557, ...customers.map((c) => c.retentionDays));
    const plane = new DataPlane(this, {
      keyId: 'PooledKey',
      keyAlias: POOLED_DATA.keyAlias,
      keyDescription:
        'PanOps-managed key of the pooled tier: pooled cluster, its secret and logs, the pooled archive (per-customer encryption context) and trail',
      retentionDays,
      vpcCidr: pooledData.vpcCidr,
      sharedComputeCidr: sharedCompute.vpcCidr,
      database: {
        clusterIdentifier: POOLED_DATA.clusterIdentifier,
        capacity: pooledData.database,
        capacityLimits: AWS_LIMITS.pooledAcu,
      },
      trail: { name: POOLED_DATA.trailName, objectLockMode: 'GOVERNANCE' },
      directoryRoot: DIRECTORY_PARAMETERS.pooledRoot,
      migrations: props.migrations,
      connect: (network) => {
        Tags.of(network.vpc).add(TAG_KEYS.role, 'pooled-data-vpc', { priority: 200 });
        return this.peerWithSharedCompute(props, network);
      },
      archive: ({ key, serverAccessLogs }) =>
        new PooledArchive(this, 'Archive', {
          encryptionKey: key.encryptionKey,
          customers,
          serverAccessLogs,
          bucketRetentionDays: retentionDays,
        }),
      dataAccess: ({ key, archive, database }) => {
        const sameAccount = this.account === sharedCompute.accountId;
        const workloadRoleNames = dataWorkloadRoleNames();
        return new PooledDataAccess(this, 'DataAccess', {
          sharedComputeAccountId: sharedCompute.accountId,
          workloadRoleNames,
          organizationId: organization.organizationId,
          archiveBucket: archive.bucket,
          key,
          databaseConnectArn: database.iamConnectArn(CUSTOMER_DATABASE.iamAppUser),
          grantAssumeTo: sameAccount
            ? workloadRoleNames.map((name) =>
                Role.fromRoleArn(this, `Workload-${name}`, roleArn(sharedCompute.accountId, name), { mutable: true }),
              )
            : [],
        });
      },
      rawEventWriter: {
        roleName: POOLED_DATA.rawWriterRole,
        description: "PanOps webhook handler: put raw events under the session customer's raw/ prefix, nothing else",
        sharedComputeAccountId: sharedCompute.accountId,
        organizationId: organization.organizationId,
        customerPrefix: `${POOLED_DATA.customersPrefix}${SESSION_CUSTOMER_VARIABLE}/`,
        session: { tag: POOLED_DATA.sessionTag, valuePattern: UUID_GLOB },
        ...(this.account === sharedCompute.accountId
          ? {
              grantAssumeTo: () =>
                Role.fromRoleArn(
                  this,
                  'WebhookHandlerRole',
                  roleArn(sharedCompute.accountId, ROLE_NAMES.webhookHandler),
                  {
                    mutable: true,
                  },
                ),
            }
          : {}),
      },
    });
    this.plane = plane;
    this.peering = plane.connection;
    tagRole(this, 'pooled-data');
    Tags.of(this).add(TAG_KEYS.dataClassification, 'confidential');
  }

  private peerWithSharedCompute(props: PooledDataStackProps, network: IsolatedVpc): SharedComputePeering | undefined {
    const { sharedCompute, pooledData } = props.blueprint;
    const cidr = pooledData?.vpcCidr ?? '';
    if (props.sharedComputeNetwork) {
      return new SharedComputePeering(this, 'SharedComputePeering', {
        vpcId: network.vpc.vpcId,
        routeTableIds: network.routeTableIds,
        peerVpcId: props.sharedComputeNetwork.vpcId,
        peerCidr: sharedCompute.vpcCidr,
        returnRoutes: { routeTableIds: props.sharedComputeNetwork.privateRouteTableIds, cidr },
        role: 'pooled-data-peering',
      });
    }
    return peeringToSharedCompute(
      this,
      network,
      props.blueprint,
      'Neither the shared compute network nor its VPC id is known (npx projen deploy passes the shared compute VpcId output): the pooled data VPC is synthesized without its peering.',
    );
  }
}
