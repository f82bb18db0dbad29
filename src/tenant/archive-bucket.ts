import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LockedBucket, type ObjectLockMode, type ServerAccessLogs } from '../data-plane/locked-bucket.js';
import { tagRole } from '../data-plane/tenant-tags.js';

export interface ArchiveBucketProps {
  /** The customer key (SSE-KMS, bucket key on). */
  readonly encryptionKey: IKey;
  /**
   * The customer's retention: object lock (when on) keeps each object at least
   * that long. Objects expire only once the disposition job, after their rows
   * passed retention unheld, tags them disposable (`LockedBucket.expiry`).
   */
  readonly retentionDays: number;
  /**
   * WORM storage for regulated customers (SEC 17a-4, FINRA 4511): object lock in
   * this mode with a default retention of `retentionDays`. @default no object lock
   */
  readonly objectLockMode?: ObjectLockMode;
  /** Days each object is locked with `objectLockMode`. @default `retentionDays` */
  readonly objectLockDays?: number;
  /** Where the bucket's server access logs go. */
  readonly serverAccessLogs: ServerAccessLogs;
}

/**
 * The customer's raw archives and recordings: a dedicated bucket in the
 * customer's own account, encrypted with the customer key, versioned, never
 * public, kept for the customer's retention and, when the customer's file asks
 * for it, write-once (object lock).
 */
export class ArchiveBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: ArchiveBucketProps) {
    super(scope, id);
    this.bucket = new LockedBucket(this, 'Storage', {
      encryptionKey: props.encryptionKey,
      retentionDays: props.retentionDays,
      serverAccessLogs: props.serverAccessLogs,
      expiry: 'disposition',
      objectLock: props.objectLockMode
        ? { mode: props.objectLockMode, days: props.objectLockDays ?? props.retentionDays }
        : undefined,
    }).bucket;
    tagRole(this, 'archive-bucket');
  }
}
