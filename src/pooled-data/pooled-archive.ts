import { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { pooledArchivePrefix } from '../contracts/pooled-data.js';
import { LockedBucket, type ServerAccessLogs } from '../data-plane/locked-bucket.js';
import { tagRole } from '../data-plane/tenant-tags.js';

/** S3 allows at most 1,000 lifecycle rules per bucket: one per pooled customer, one for the bucket. */
export const MAX_POOLED_ARCHIVE_CUSTOMERS = 999;

/** A pooled customer as the archive sees it: its prefix and its retention. */
export interface PooledArchiveCustomer {
  readonly id: string;
  readonly slug: string;
  readonly retentionDays: number;
}

export interface PooledArchiveProps {
  /** The PanOps-managed key of the pooled tier (SSE-KMS, bucket key off: see `LockedBucket.bucketKeyEnabled`). */
  readonly encryptionKey: IKey;
  /** The pooled customers: each gets a retention rule on its own prefix. */
  readonly customers: readonly PooledArchiveCustomer[];
  /** Where the bucket's server access logs go. */
  readonly serverAccessLogs: ServerAccessLogs;
  /**
   * Retention of anything outside a customer's prefix, and of the bucket when
   * no customer is pooled yet. @default the longest customer retention, or 2557 days (7 years, SEC 17a-4)
   */
  readonly bucketRetentionDays?: number;
}

/**
 * The pooled tier's archive: ONE bucket shared by the pooled customers, each
 * under its own prefix `customers/<customer id>/`. Isolation is by prefix and
 * IAM conditions (the data-access role reaches only the prefix named by its
 * session tag) and by KMS encryption context: S3 Bucket Keys are off, so every
 * object's data key is bound to the object's ARN (which carries the prefix)
 * and the key policy releases it only to a session of that customer. Each
 * prefix expires on the customer's own retention (S3 honours the shortest of
 * overlapping expirations). WORM customers are not pooled (the blueprint
 * refuses object lock on a pooled customer): object lock is per bucket.
 */
export class PooledArchive extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: PooledArchiveProps) {
    super(scope, id);
    if (props.customers.length > MAX_POOLED_ARCHIVE_CUSTOMERS) {
      throw new RangeError(
        `PooledArchive: ${props.customers.length} pooled customers exceed ${MAX_POOLED_ARCHIVE_CUSTOMERS} (S3 allows 1,000 lifecycle rules per bucket); promote some to dedicated accounts`,
      );
    }
    const longest = Math.max(0, ...props.customers.map((c) => c.retentionDays));
    const bucketRetention = props.bucketRetentionDays ?? (longest > 0 ? longest : 2557);
    if (bucketRetention < longest) {
      throw new RangeError(
        `PooledArchive: bucketRetentionDays (${bucketRetention}) is shorter than a pooled customer's retention (${longest}); it would expire that customer's objects early`,
      );
    }
    this.bucket = new LockedBucket(this, 'Storage', {
      encryptionKey: props.encryptionKey,
      retentionDays: bucketRetention,
      serverAccessLogs: props.serverAccessLogs,
      bucketKeyEnabled: false,
    }).bucket;
    for (const customer of props.customers) {
      this.bucket.addLifecycleRule({
        id: `retention-${customer.slug}`,
        enabled: true,
        prefix: pooledArchivePrefix(customer.id),
        expiration: Duration.days(customer.retentionDays),
        noncurrentVersionExpiration: Duration.days(customer.retentionDays),
      });
    }
    tagRole(this, 'pooled-archive-bucket');
  }
}
