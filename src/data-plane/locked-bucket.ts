import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type LifecycleRule,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { DISPOSITION_TAG } from '../contracts/archive-tags.js';

export type ObjectLockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** Where a bucket's server access logs go. */
export interface ServerAccessLogs {
  /** The log bucket (a `LockedBucket` that is itself a log destination). */
  readonly destination: LockedBucket;
  /** Key prefix of this bucket's logs in the destination, ending in `/`. */
  readonly prefix: string;
}

export interface LockedBucketProps {
  /** The customer key: default encryption is SSE-KMS with it, bucket key on. */
  readonly encryptionKey: IKey;
  /** Days objects are kept: current objects expire after it, replaced versions after as long again. */
  readonly retentionDays: number;
  /**
   * Server access logging, or `'is-log-destination'` for the log bucket itself
   * (logging a log bucket into itself would log its own log writes forever).
   */
  readonly serverAccessLogs: ServerAccessLogs | 'is-log-destination';
  /** WORM storage: object lock with this mode and default retention. @default no object lock */
  readonly objectLock?: { readonly mode: ObjectLockMode; readonly days: number };
  /**
   * `age`: current objects expire `retentionDays` after creation (logs, trails).
   * `disposition`: only objects tagged `panops:disposition=disposable` expire
   * (the archive: the disposition job tags an object once no row names it, and
   * a held object never carries that tag), so a legal hold survives the
   * lifecycle in buckets with and without Object Lock. S3 lifecycle filters
   * select by tag but cannot exclude by tag:
   * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html
   * @default 'age'
   */
  readonly expiry?: 'age' | 'disposition';
  /** Days after which incomplete multipart uploads are aborted. @default 7 */
  readonly abortIncompleteUploadsAfterDays?: number;
  /**
   * S3 Bucket Keys (fewer KMS calls). Off, every object's data key is bound to
   * the object's own ARN as KMS encryption context, so a key policy can tell
   * one key prefix from another (the pooled archive's per-customer context).
   * @default true
   */
  readonly bucketKeyEnabled?: boolean;
}

/**
 * The archive's lifecycle: expire (and then remove the noncurrent version of)
 * only objects tagged disposable, one day after the tag is seen; abort
 * incomplete uploads and remove expired delete markers everywhere (S3 refuses
 * those two actions in a rule with a tag filter:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-rules.html).
 * Under Object Lock the lifecycle still cannot remove a version before its
 * retention date or while it has a legal hold:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
 */
export const dispositionLifecycle = (abortAfterDays: number, prefix?: string): LifecycleRule[] => [
  {
    id: prefix ? `disposition-${prefix.replaceAll('/', '-').replace(/-$/, '')}` : 'disposition',
    enabled: true,
    ...(prefix ? { prefix } : {}),
    tagFilters: { [DISPOSITION_TAG.key]: DISPOSITION_TAG.disposable },
    expiration: Duration.days(1),
    noncurrentVersionExpiration: Duration.days(1),
  },
  {
    id: 'housekeeping',
    enabled: true,
    abortIncompleteMultipartUploadAfter: Duration.days(abortAfterDays),
    expiredObjectDeleteMarker: true,
  },
];

/**
 * An S3 bucket with every setting the seed and the guardrails fix, set
 * explicitly: SSE-KMS with the customer key and bucket key on, versioning on,
 * all four public access blocks on, ACLs off (bucket owner enforced), a
 * TLS-only (TLS 1.2+) bucket policy, server access logs, a retention
 * lifecycle, object lock when asked, and retained when the stack goes away.
 */
export class LockedBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: LockedBucketProps) {
    super(scope, id);
    const { retentionDays, objectLock } = props;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new RangeError(`LockedBucket ${id}: retentionDays must be a positive whole number, got ${retentionDays}`);
    }
    if (objectLock && objectLock.days > retentionDays) {
      throw new RangeError(
        `LockedBucket ${id}: objectLock.days (${objectLock.days}) exceeds retentionDays (${retentionDays}); the lifecycle could never delete a locked version`,
      );
    }
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: props.bucketKeyEnabled ?? true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      publicReadAccess: false,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectLockEnabled: objectLock !== undefined,
      objectLockDefaultRetention: objectLock
        ? objectLock.mode === 'COMPLIANCE'
          ? ObjectLockRetention.compliance(Duration.days(objectLock.days))
          : ObjectLockRetention.governance(Duration.days(objectLock.days))
        : undefined,
      lifecycleRules:
        props.expiry === 'disposition'
          ? dispositionLifecycle(props.abortIncompleteUploadsAfterDays ?? 7)
          : [
              {
                id: 'retention',
                enabled: true,
                expiration: Duration.days(retentionDays),
                noncurrentVersionExpiration: Duration.days(retentionDays),
                abortIncompleteMultipartUploadAfter: Duration.days(props.abortIncompleteUploadsAfterDays ?? 7),
              },
            ],
      removalPolicy: RemovalPolicy.RETAIN,
      autoDeleteObjects: false,
    });
    acknowledge(
      this.bucket,
      ['NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled'],
      'The seed keeps each customer’s data in the customer’s own account and region; durability comes from S3 itself, versioning, the retention lifecycle and (where configured) object lock, not from a second copy elsewhere.',
    );
    if (props.serverAccessLogs !== 'is-log-destination') {
      props.serverAccessLogs.destination.receiveServerAccessLogsOf(this.bucket, props.serverAccessLogs.prefix);
    }
  }

  /**
   * Makes this (log destination) bucket receive `source`'s server access logs
   * under `prefix`, for this account only. Set on the CloudFormation resource
   * rather than through `serverAccessLogsBucket`: the L2 would grant log
   * delivery with an ACL, which bucket-owner-enforced ownership forbids.
   */
  receiveServerAccessLogsOf(source: Bucket, prefix: string): void {
    (source.node.defaultChild as CfnBucket).loggingConfiguration = {
      destinationBucketName: this.bucket.bucketName,
      logFilePrefix: prefix,
    };
    this.allowServerAccessLogsFrom(source.bucketArn, prefix);
  }

  /** Lets S3 server access logging write one source bucket's logs under `prefix`, for this account only. */
  private allowServerAccessLogsFrom(sourceBucketArn: string, prefix: string): void {
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`${prefix}*`)],
        conditions: {
          ArnLike: { 'aws:SourceArn': sourceBucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
  }
}
