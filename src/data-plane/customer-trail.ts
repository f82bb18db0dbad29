import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnTrail } from 'aws-cdk-lib/aws-cloudtrail';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { writeToLogGroup } from '../common/log-writer.js';
import { LockedBucket, type ObjectLockMode, type ServerAccessLogs } from './locked-bucket.js';
import { tagRole } from './tenant-tags.js';

export interface CustomerTrailProps {
  /** Trail name (unique in the account). */
  readonly trailName: string;
  /** The customer key: log files, digest files and the CloudWatch copy. */
  readonly encryptionKey: IKey;
  /** Days log files are kept (and locked). */
  readonly retentionDays: number;
  /** Object lock mode of the trail bucket: log files cannot be altered or deleted while locked. @default GOVERNANCE */
  readonly objectLockMode?: ObjectLockMode;
  /** Where the trail bucket's server access logs go. */
  readonly serverAccessLogs: ServerAccessLogs;
  /** Buckets whose object reads and writes are recorded as data events. @default none */
  readonly dataEventBuckets?: readonly IBucket[];
  /** Retention of the CloudWatch Logs copy (the S3 copy is the record). @default one year */
  readonly cloudWatchRetention?: RetentionDays;
}

/**
 * The customer-owned, tamper-evident audit trail: a multi-region trail with
 * global service events and log file validation (signed digests), encrypted
 * with the customer key, delivered to a dedicated locked bucket (object lock,
 * versioned, never public, TLS only) and copied to CloudWatch Logs.
 */
export class CustomerTrail extends Construct {
  readonly trail: CfnTrail;
  readonly bucket: Bucket;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: CustomerTrailProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);
    const trailArn = `arn:${partition}:cloudtrail:${region}:${account}:trail/${props.trailName}`;

    this.bucket = new LockedBucket(this, 'Bucket', {
      encryptionKey: props.encryptionKey,
      retentionDays: props.retentionDays,
      serverAccessLogs: props.serverAccessLogs,
      objectLock: { mode: props.objectLockMode ?? 'GOVERNANCE', days: props.retentionDays },
    }).bucket;
    tagRole(this.bucket, 'trail-bucket');
    const fromThisTrail = { StringEquals: { 'aws:SourceArn': trailArn } };
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailAclCheck',
        principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['s3:GetBucketAcl'],
        resources: [this.bucket.bucketArn],
        conditions: fromThisTrail,
      }),
    );
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailWrite',
        principals: [new ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects(`AWSLogs/${account}/*`)],
        conditions: fromThisTrail,
      }),
    );

    this.logGroup = new LogGroup(this, 'LogGroup', {
      encryptionKey: props.encryptionKey,
      retention: props.cloudWatchRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const deliveryRole = new Role(this, 'CloudWatchDeliveryRole', {
      assumedBy: new ServicePrincipal('cloudtrail.amazonaws.com').withConditions(fromThisTrail),
      description: 'CloudTrail: delivers this trail to its CloudWatch log group',
    });
    const deliveryPolicy = new ManagedPolicy(this, 'CloudWatchDeliveryPolicy', {
      roles: [deliveryRole],
      description: 'CloudTrail delivery to one log group',
      statements: [writeToLogGroup(this.logGroup.logGroupArn, 'TrailLogStreams')],
    });
    this.trail = new CfnTrail(this, 'Trail', {
      trailName: props.trailName,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: props.encryptionKey.keyArn,
      s3BucketName: this.bucket.bucketName,
      cloudWatchLogsLogGroupArn: this.logGroup.logGroupArn,
      cloudWatchLogsRoleArn: deliveryRole.roleArn,
      eventSelectors: [
        {
          includeManagementEvents: true,
          readWriteType: 'All',
          dataResources: (props.dataEventBuckets ?? []).length
            ? [{ type: 'AWS::S3::Object', values: (props.dataEventBuckets ?? []).map((b) => b.arnForObjects('')) }]
            : undefined,
        },
      ],
    });
    // CloudTrail checks its permissions when the trail is created.
    this.trail.node.addDependency(this.bucket.policy ?? this.bucket, deliveryPolicy);
    // Kept once it exists (the SCP lets nobody but break-glass stop it); deleted only when the
    // create that made it rolls back, so a retry finds its fixed name free. That rollback is the
    // one DeleteTrail the SCP allows the CloudFormation execution role (policies/scp/README.md).
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
    this.trail.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    tagRole(this.trail, 'customer-trail');
  }
}
