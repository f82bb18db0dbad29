import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of a shared compute construct whose one resource the platform key encrypts. */
export interface EncryptedWithPlatformKey {
  /** The platform key (`PlatformKey.key`) the resource is encrypted with. */
  readonly key: IKey;
}

export interface PlatformKeyProps {
  /** Alias of the key. @default 'alias/panops/shared-compute' */
  readonly alias?: string;
}

/**
 * The shared compute account's customer-managed KMS key: queues, the cursor
 * table, log groups and the alert topic are encrypted with it (rotation on).
 * Customer data itself is encrypted with each customer's own key, in the
 * customer's account; this key protects jobs, cursors and logs.
 */
export class PlatformKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: PlatformKeyProps = {}) {
    super(scope, id);
    const { region, account } = Stack.of(this);
    this.key = new Key(this, 'Key', {
      alias: props.alias ?? 'alias/panops/shared-compute',
      description: 'PanOps shared compute: job queues, connector cursors, logs and alerts',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudWatch Logs encrypts the account's log groups with this key, and only those.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${account}:log-group:*` },
        },
      }),
    );
    // S3 server access logs of the model bucket into the SSE-KMS access-log bucket.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    // CloudWatch alarms publish to the encrypted alert topic.
    this.key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
  }
}
