import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
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
  /** The pooled customers (their retention is enforced by disposition; the count is bounded). */
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
 * and the key policy releases it only to a session of that customer. Objects
 * expire only when tagged disposable by the customer's disposition job
 * (`LockedBucket.expiry`), so each customer's retention and holds are its own. WORM customers are not pooled (the blueprint
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
      // One tag-filtered rule for every prefix: a customer's objects expire only when its disposition job,
      // after their rows passed that customer's retention unheld, tags them disposable.
      expiry: 'disposition',
    }).bucket;
    tagRole(this, 'pooled-archive-bucket');
  }
}
