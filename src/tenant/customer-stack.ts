import { Annotations, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  type Blueprint,
  CUSTOMER_DATABASE,
  type DedicatedCustomer,
  deployedNetworkId,
  ROLE_NAMES,
  usesTransitGateway,
} from '../config/index.js';
import { DIRECTORY_PARAMETERS } from '../contracts/directory.js';
import { DataPlane, DataPlaneStack } from '../data-plane/data-plane.js';
import type { IsolatedVpc } from '../data-plane/isolated-vpc.js';
import type { MigrationBundle } from '../data-plane/migration-sources.js';
import { SharedComputeAttachment } from '../data-plane/shared-compute-attachment.js';
import { peeringToSharedCompute, SharedComputePeering } from '../data-plane/shared-compute-peering.js';
import { tagCustomerScope } from '../data-plane/tenant-tags.js';
import { ArchiveBucket } from './archive-bucket.js';
import { CrossAccountAccess } from './cross-account-access.js';

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
export class CustomerStack extends DataPlaneStack<
  ArchiveBucket,
  CrossAccountAccess,
  SharedComputePeering | SharedComputeAttachment | undefined
> {
  protected readonly plane: DataPlane<
    ArchiveBucket,
    CrossAccountAccess,
    SharedComputePeering | SharedComputeAttachment | undefined
  >;
  readonly peering?: SharedComputePeering;
  /** The Transit Gateway attachment (transit-gateway network mode), instead of the peering. */
  readonly attachment?: SharedComputeAttachment;

  constructor(scope: Construct, id: string, props: CustomerStackProps) {
    super(scope, id, props);
    const { blueprint, customer } = props;
    const { sharedCompute, organization } = blueprint;
    const plane = new DataPlane(this, {
      keyId: 'CustomerKey',
      keyAlias: `panops/${customer.slug}`,
      retentionDays: customer.retentionDays,
      vpcCidr: customer.vpcCidr,
      sharedComputeCidr: sharedCompute.vpcCidr,
      database: { clusterIdentifier: `panops-${customer.slug}`, capacity: customer.database },
      trail: { name: `panops-${customer.slug}`, objectLockMode: customer.objectLock?.mode ?? 'GOVERNANCE' },
      directoryRoot: DIRECTORY_PARAMETERS.customerRoot,
      migrations: props.migrations,
      // The database holds this customer only: bound at deploy (sql/0010).
      databaseCustomerId: customer.id,
      connect: (network) => this.connectToSharedCompute(blueprint, network),
      archive: ({ key, serverAccessLogs }) =>
        new ArchiveBucket(this, 'Archive', {
          encryptionKey: key.encryptionKey,
          retentionDays: customer.retentionDays,
          objectLockMode: customer.objectLock?.mode,
          ...(customer.objectLock?.days === undefined ? {} : { objectLockDays: customer.objectLock.days }),
          serverAccessLogs,
        }),
      dataAccess: ({ key, archive, database }) =>
        new CrossAccountAccess(this, 'DataAccess', {
          sharedComputeAccountId: sharedCompute.accountId,
          organizationId: organization.organizationId,
          archiveBucket: archive.bucket,
          key,
          databaseConnectArn: database.iamConnectArn(CUSTOMER_DATABASE.iamAppUser),
        }),
      rawEventWriter: {
        roleName: ROLE_NAMES.webhookRawWriter,
        description: "PanOps webhook handler: put raw events under this customer's raw/ prefix, nothing else",
        sharedComputeAccountId: sharedCompute.accountId,
        organizationId: organization.organizationId,
        customerPrefix: '',
      },
    });
    this.plane = plane;
    this.peering = plane.connection instanceof SharedComputePeering ? plane.connection : undefined;
    this.attachment = plane.connection instanceof SharedComputeAttachment ? plane.connection : undefined;
    tagCustomerScope(this, customer);
  }

  /** Peering (or, in transit-gateway mode, an attachment) to shared compute; undefined, with a warning, until its id is known. */
  private connectToSharedCompute(
    blueprint: Blueprint,
    network: IsolatedVpc,
  ): SharedComputePeering | SharedComputeAttachment | undefined {
    const { sharedCompute } = blueprint;
    if (usesTransitGateway(blueprint)) {
      const transitGatewayId = deployedNetworkId(this, blueprint, 'transitGatewayId');
      if (transitGatewayId)
        return new SharedComputeAttachment(this, 'SharedComputeAttachment', {
          vpcId: network.vpc.vpcId,
          subnetIds: network.vpc.selectSubnets({ ...network.subnets, onePerAz: true }).subnetIds,
          routeTableIds: network.routeTableIds,
          transitGatewayId,
          sharedComputeCidr: sharedCompute.vpcCidr,
        });
      Annotations.of(this).addWarningV2(
        'panops:attachment-pending',
        'The Transit Gateway id is not known (npx projen deploy passes the shared compute TransitGatewayId output): this customer VPC is synthesized without its Transit Gateway attachment.',
      );
      return undefined;
    }
    return peeringToSharedCompute(
      this,
      network,
      blueprint,
      'The shared compute VPC id is not known (npx projen deploy passes the shared compute VpcId output): this customer VPC is synthesized without its peering to shared compute.',
    );
  }
}
