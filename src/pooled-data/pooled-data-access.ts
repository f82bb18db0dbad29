import { Duration, Stack } from 'aws-cdk-lib';
import { type IRole, ManagedPolicy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { roleArn } from '../config/index.js';
import { POOLED_DATA, SESSION_CUSTOMER_VARIABLE, UUID_GLOB } from '../contracts/pooled-data.js';
import { ARCHIVE_OBJECT_ACTIONS } from '../data-plane/archive-object-actions.js';
import type { CustomerKey } from '../data-plane/customer-key.js';
import { sharedComputeTrust } from '../data-plane/shared-compute-trust.js';
import { tagRole } from '../data-plane/tenant-tags.js';

export interface PooledDataAccessProps {
  /** The account of the shared compute workloads. */
  readonly sharedComputeAccountId: string;
  /** Workload role names in that account that reach customer data. */
  readonly workloadRoleNames: readonly string[];
  /** When set, the caller must also belong to this AWS organization. @default no organization condition */
  readonly organizationId?: string;
  /** The pooled archive bucket. */
  readonly archiveBucket: IBucket;
  /** The pooled tier's key. */
  readonly key: CustomerKey;
  /** ARN for `rds-db:connect` as the application role on the pooled cluster. */
  readonly databaseConnectArn: string;
  /**
   * The workload roles, when they live in this stack's account: they get the
   * permission to assume this role (same-account assumption needs it on both
   * sides). @default none (the shared compute stack grants it)
   */
  readonly grantAssumeTo?: readonly IRole[];
  /** Longest session. @default one hour */
  readonly maxSessionDuration?: Duration;
}

/**
 * `panops-pooled-data-access`: the pooled tier's counterpart of a customer
 * account's data-access role, scoped by attribute instead of by account. A
 * workload assumes it with the session tag `panops:customer-id = <id>`
 * (required, a UUID, the only tag allowed); every permission names that tag:
 * list and read/write (never delete) objects under `customers/<id>/` only,
 * use the pooled key through S3 only for objects whose encryption context
 * (their ARN) is under that prefix, and log in to the pooled cluster as the
 * application role, where row-level security confines the session to the
 * customer it sets per transaction.
 */
export class PooledDataAccess extends Construct {
  readonly role: Role;
  /** The role's permissions. */
  readonly policy: ManagedPolicy;
  /** The workloads' permission to assume the role, when granted here. */
  readonly assumePolicy?: ManagedPolicy;

  constructor(scope: Construct, id: string, props: PooledDataAccessProps) {
    super(scope, id);
    const workloadRoleArns = props.workloadRoleNames.map((name) => roleArn(props.sharedComputeAccountId, name));
    const tag = POOLED_DATA.sessionTag;
    this.role = new Role(this, 'Role', {
      roleName: POOLED_DATA.dataAccessRole,
      description: 'PanOps workloads: one pooled customer per session (session tag panops:customer-id)',
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      // sts:AssumeRole and sts:TagSession, both only with the customer tag and nothing else.
      assumedBy: sharedComputeTrust({
        sharedComputeAccountId: props.sharedComputeAccountId,
        roleArns: workloadRoleArns,
        organizationId: props.organizationId,
        sessionTag: { key: tag, valuePattern: UUID_GLOB },
      }),
    });
    const customerPrefix = `${POOLED_DATA.customersPrefix}${SESSION_CUSTOMER_VARIABLE}/`;
    const customerObjects = props.archiveBucket.arnForObjects(`${customerPrefix}*`);
    this.policy = new ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      description: "Pooled data access for PanOps workloads: the session customer's prefix and rows only",
      statements: [
        new PolicyStatement({
          sid: 'ListOwnPrefix',
          actions: ['s3:ListBucket'],
          resources: [props.archiveBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${customerPrefix}*`] } },
        }),
        new PolicyStatement({
          sid: 'ReadWriteOwnObjects',
          actions: [...ARCHIVE_OBJECT_ACTIONS],
          resources: [customerObjects],
        }),
        props.key.allowThroughS3ForPrefix({
          identitySid: 'PooledKeyForOwnObjects',
          keyPolicySid: 'PooledDataAccessOwnObjectsThroughS3',
          principal: this.role,
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          prefix: customerPrefix,
          objectsArn: customerObjects,
        }),
        new PolicyStatement({
          sid: 'DatabaseLoginAsApplication',
          actions: ['rds-db:connect'],
          resources: [props.databaseConnectArn],
        }),
      ],
    });
    const bucketLogicalId = Stack.of(this).getLogicalId(props.archiveBucket.node.defaultChild as never);
    acknowledge(
      this.policy,
      [`AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/customers/<aws:PrincipalTag/${tag}>/*]`],
      'Archive object keys are created at run time (one per message and recording); the statement names the actions one by one (read, write, no delete) on the one prefix of the customer named by the session tag, which the trust policy requires.',
    );
    if (props.grantAssumeTo && props.grantAssumeTo.length > 0) {
      this.assumePolicy = new ManagedPolicy(this, 'WorkloadsAssume', {
        roles: [...props.grantAssumeTo],
        description: 'Shared compute workloads: assume the pooled data access role with a customer session tag',
        statements: [
          new PolicyStatement({
            sid: 'AssumePooledDataAccess',
            actions: ['sts:AssumeRole', 'sts:TagSession'],
            resources: [this.role.roleArn],
            conditions: { StringLike: { [`aws:RequestTag/${tag}`]: UUID_GLOB } },
          }),
        ],
      });
    }
    tagRole(this, 'pooled-data-access');
  }
}
