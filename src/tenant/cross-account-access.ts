import { Duration, Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { ROLE_NAMES, roleArn } from '../config/index.js';
import { dataWorkloadRoleNames } from '../contracts/workloads.js';
import { ARCHIVE_BUCKET_READ_ACTIONS, ARCHIVE_OBJECT_ACTIONS } from '../data-plane/archive-object-actions.js';
import type { CustomerKey } from '../data-plane/customer-key.js';
import { sharedComputeTrust } from '../data-plane/shared-compute-trust.js';
import { tagRole } from '../data-plane/tenant-tags.js';

/**
 * The shared compute workload roles that may reach a customer account's data
 * (`REACHES_CUSTOMER_DATA`): not the webhook handler, internet-facing, which
 * has its own write-only role (`RawEventWriter`), and not the inference
 * service, which serves a model and never touches customer data.
 */
export const WORKLOAD_ROLE_NAMES: readonly string[] = dataWorkloadRoleNames();

export interface CrossAccountAccessProps {
  /** The shared compute account whose workload roles may assume the data access role. */
  readonly sharedComputeAccountId: string;
  /** Workload role names in that account. @default `WORKLOAD_ROLE_NAMES` */
  readonly workloadRoleNames?: readonly string[];
  /** When set, the caller must also belong to this AWS organization. @default no organization condition */
  readonly organizationId?: string;
  /** The customer's archive bucket. */
  readonly archiveBucket: IBucket;
  /** The customer key (objects in the archive are encrypted with it). */
  readonly key: CustomerKey;
  /** ARN for `rds-db:connect` as the application role (IAM database authentication). */
  readonly databaseConnectArn: string;
  /** Longest session. @default one hour */
  readonly maxSessionDuration?: Duration;
}

/**
 * The one role PanOps workloads assume to reach this customer's data
 * (`panops-customer-data-access`). It trusts only the shared compute account's
 * workload roles, matched by ARN, from that account (and organization), and
 * grants only named operations: read/write archive objects (no delete), the
 * customer key through S3 only, and an IAM login to the database as the
 * application role (which row-level security confines).
 */
export class CrossAccountAccess extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: CrossAccountAccessProps) {
    super(scope, id);
    const workloadRoleArns = (props.workloadRoleNames ?? WORKLOAD_ROLE_NAMES).map((name) =>
      roleArn(props.sharedComputeAccountId, name),
    );
    // The account is the principal and the role ARNs a condition: a trust policy naming the
    // roles themselves fails to deploy before they exist, and silently stops matching when a
    // role is recreated (IAM stores the unique id of the role it saw).
    this.role = new Role(this, 'Role', {
      roleName: ROLE_NAMES.customerDataAccess,
      description: "PanOps shared compute workloads: read/write this customer's archive and log in to its database",
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      assumedBy: sharedComputeTrust({
        sharedComputeAccountId: props.sharedComputeAccountId,
        roleArns: workloadRoleArns,
        organizationId: props.organizationId,
      }),
    });
    const { region } = Stack.of(this);
    const policy = new ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      description: 'Customer data access for PanOps workloads: named actions only',
      statements: [
        new PolicyStatement({
          sid: 'ArchiveObjectLockConfiguration',
          actions: [...ARCHIVE_BUCKET_READ_ACTIONS],
          resources: [props.archiveBucket.bucketArn],
        }),
        new PolicyStatement({
          sid: 'ListArchive',
          actions: ['s3:ListBucket'],
          resources: [props.archiveBucket.bucketArn],
        }),
        new PolicyStatement({
          sid: 'ReadWriteArchiveObjects',
          actions: [...ARCHIVE_OBJECT_ACTIONS],
          resources: [props.archiveBucket.arnForObjects('*')],
        }),
        new PolicyStatement({
          sid: 'CustomerKeyThroughS3',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        }),
        new PolicyStatement({
          sid: 'DatabaseLoginAsApplication',
          actions: ['rds-db:connect'],
          resources: [props.databaseConnectArn],
        }),
      ],
    });
    acknowledge(
      policy,
      [
        `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(props.archiveBucket.node.defaultChild as never)}.Arn>/*]`,
      ],
      'Archive object keys are created at run time (one per message and recording); the statement names the actions one by one (read, write, no delete) on this one bucket.',
    );
    props.key.allow({
      sid: 'PanOpsDataAccessThroughS3',
      principal: this.role,
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      viaServices: ['s3'],
    });
    tagRole(this, 'customer-data-access');
  }
}
