import { Duration, Stack } from 'aws-cdk-lib';
import { type IRole, ManagedPolicy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { RAW_EVENTS_PREFIX, ROLE_NAMES, roleArn } from '../config/index.js';
import type { CustomerKey } from './customer-key.js';
import { sharedComputeTrust } from './shared-compute-trust.js';
import { tagRole } from './tenant-tags.js';

/** Everything the webhook handler may do in a data account: put an object. */
export const RAW_WRITER_S3_ACTIONS = ['s3:PutObject'] as const;
/** And have S3 make the object's data key (SSE-KMS on a PUT needs only this). */
export const RAW_WRITER_KMS_ACTIONS = ['kms:GenerateDataKey'] as const;

export interface RawEventWriterProps {
  readonly roleName: string;
  readonly description: string;
  /** The shared compute account, whose webhook handler role alone is trusted. */
  readonly sharedComputeAccountId: string;
  /** When set, the caller must also belong to this AWS organization. */
  readonly organizationId?: string;
  readonly archiveBucket: IBucket;
  readonly key: CustomerKey;
  /**
   * The customer's prefix in the bucket: '' in a customer's own bucket,
   * `customers/${aws:PrincipalTag/panops:customer-id}/` in the pooled one.
   */
  readonly customerPrefix: string;
  /**
   * Pooled tier: the session tag the caller must set (a UUID, the only tag),
   * which the prefix names. @default none (a dedicated account holds one customer)
   */
  readonly session?: { readonly tag: string; readonly valuePattern: string };
  /** The published archive bucket and key parameters: the handler reads where to put, nothing else. */
  readonly locationParameters: readonly StringParameter[];
  /** The webhook handler role, when it lives in this stack's account (same-account assumption needs both sides). */
  readonly grantAssumeTo?: IRole;
}

/**
 * The webhook handler's own, write-only path into a data account (issue #18
 * item 5). The internet-facing handler is not trusted by the data-access
 * role: it assumes this role, which may PUT an object under
 * `<customer prefix>raw/` and have S3 generate its data key under the key's
 * encryption context for exactly that prefix. It cannot list, read, delete,
 * decrypt or log in to the database; a compromised handler can add raw
 * events, never take the archive.
 *
 * SSE-KMS: S3 calls GenerateDataKey on a PUT (Decrypt only for multipart and
 * reads), with encryption context `aws:s3:arn` = the object's ARN unless an
 * S3 Bucket Key is used (then the bucket's ARN), so the handler's PUTs turn
 * Bucket Keys off per object:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-bucket-key-object.html
 * A conditional PUT (If-None-Match) needs s3:PutObject only:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html
 */
export class RawEventWriter extends Construct {
  readonly role: Role;
  readonly policy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: RawEventWriterProps) {
    super(scope, id);
    const webhookRoleArn = roleArn(props.sharedComputeAccountId, ROLE_NAMES.webhookHandler);
    const assumedBy = sharedComputeTrust({
      sharedComputeAccountId: props.sharedComputeAccountId,
      roleArns: [webhookRoleArn],
      organizationId: props.organizationId,
      ...(props.session ? { sessionTag: { key: props.session.tag, valuePattern: props.session.valuePattern } } : {}),
    });
    this.role = new Role(this, 'Role', {
      roleName: props.roleName,
      description: props.description,
      maxSessionDuration: Duration.hours(1),
      assumedBy,
    });
    const rawPrefix = `${props.customerPrefix}${RAW_EVENTS_PREFIX}`;
    const rawObjects = props.archiveBucket.arnForObjects(`${rawPrefix}*`);
    this.policy = new ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      description: 'PanOps webhook handler: put raw events under the customer prefix, nothing else',
      statements: [
        new PolicyStatement({
          sid: 'PutRawEventsOnly',
          actions: [...RAW_WRITER_S3_ACTIONS],
          resources: [rawObjects],
        }),
        props.key.allowThroughS3ForPrefix({
          identitySid: 'DataKeyForRawEventsThroughS3',
          keyPolicySid: 'WebhookRawWriterDataKeysThroughS3',
          principal: this.role,
          actions: RAW_WRITER_KMS_ACTIONS,
          prefix: rawPrefix,
          objectsArn: rawObjects,
        }),
        new PolicyStatement({
          sid: 'WhereToPut',
          actions: ['ssm:GetParameters'],
          resources: props.locationParameters.map((p) => p.parameterArn),
        }),
      ],
    });
    const bucketLogicalId = Stack.of(this).getLogicalId(props.archiveBucket.node.defaultChild as never);
    acknowledge(
      this.policy,
      [
        `AwsSolutions::AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${rawPrefix.replace(/\$\{([^}]+)\}/g, '<$1>')}*]`,
      ],
      'Raw event keys are content hashes made at run time; the one action is PutObject, under the raw/ prefix of this customer only.',
    );
    if (props.grantAssumeTo) {
      new ManagedPolicy(this, 'WebhookAssumes', {
        roles: [props.grantAssumeTo],
        description: 'PanOps webhook handler: assume the write-only raw event role',
        statements: [
          new PolicyStatement({
            sid: 'AssumeRawEventWriter',
            actions: props.session ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'],
            resources: [this.role.roleArn],
            ...(props.session
              ? { conditions: { StringLike: { [`aws:RequestTag/${props.session.tag}`]: props.session.valuePattern } } }
              : {}),
          }),
        ],
      });
    }
    tagRole(this, 'webhook-raw-writer');
  }
}
