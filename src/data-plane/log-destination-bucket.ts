import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { acknowledge } from '../common/acknowledge.js';
import { LockedBucket } from './locked-bucket.js';
import { tagRole } from './tenant-tags.js';

export interface LogDestinationBucketProps {
  /** The key every log object is encrypted with. */
  readonly encryptionKey: IKey;
  /** Days logs are kept. */
  readonly retentionDays: number;
}

/**
 * The server-access-log destination of an account's other buckets: a locked
 * bucket that does not log into itself, with the three findings that follow
 * from that acknowledged once, with the reason, wherever such a bucket exists.
 */
export class LogDestinationBucket extends LockedBucket {
  constructor(scope: Construct, id: string, props: LogDestinationBucketProps) {
    super(scope, id, {
      encryptionKey: props.encryptionKey,
      retentionDays: props.retentionDays,
      serverAccessLogs: 'is-log-destination',
    });
    tagRole(this, 'log-bucket');
    acknowledge(
      this.bucket,
      [
        'AwsSolutions::AwsSolutions-S1',
        'NIST.800.53.R5::NIST.800.53.R5-S3BucketLoggingEnabled',
        'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      ],
      'This is the server access log destination of the account’s other buckets; logging it into itself would log its own log writes without end. Reads of it are recorded by CloudTrail (the account’s own trail, or the organization trail in shared compute).',
    );
  }
}
