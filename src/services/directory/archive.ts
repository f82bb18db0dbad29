import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { Layer } from 'effect';
import type { ArchiveStore } from '../archive/archive-store.js';
import {
  type LargeObjectArchive,
  type S3LargeObjectArchiveOptions,
  s3LargeObjectArchiveLayer,
} from '../archive/large-object.js';
import type { ArchiveObjectRetention } from '../archive/object-retention.js';
import { s3ObjectRetentionLayer } from '../archive/object-retention-s3.js';
import { type ArchiveTarget, s3ArchiveStoreLayer } from '../archive/s3.js';
import type { CustomerDirectory, CustomerLocation } from './customer-directory.js';
import { withDirectoryTargets } from './directory-targets.js';

/** The S3 archive store's target for a located customer: bucket, key, prefix, region and the data-access session. */
export const archiveTargetOf = (location: CustomerLocation): ArchiveTarget => ({
  bucket: location.archive.bucket,
  kmsKeyId: location.archive.kmsKeyArn,
  keyPrefix: location.archive.keyPrefix,
  bucketKeyEnabled: location.archive.bucketKeyEnabled,
  // A prefix is the pooled archive, which never has Object Lock (the blueprint keeps WORM customers dedicated);
  // its data-access role may not read bucket settings, so it is not asked.
  ...(location.archive.keyPrefix ? { objectLock: false } : {}),
  ...(location.accountId === 'local' ? {} : { region: location.region }),
  ...(location.credentials ? { credentials: location.credentials } : {}),
});

/**
 * The S3 archive store with each customer's bucket found through the
 * customer directory, and reached with that customer's data-access session.
 * A customer the directory cannot place is a `BadPayload` (dead-lettered
 * with the reason; for a webhook, a 503 so the provider retries), an outage
 * `Transient`.
 */
export const directoryS3ArchiveStoreLayer = (
  options: { readonly client?: S3ClientConfig } = {},
): Layer.Layer<ArchiveStore, never, CustomerDirectory> =>
  withDirectoryTargets(archiveTargetOf, (resolveTarget) =>
    s3ArchiveStoreLayer({ resolveTarget, ...(options.client ? { client: options.client } : {}) }),
  );

/** The streaming (multipart) archive of recordings, with each customer's target found through the customer directory. */
export const directoryS3LargeObjectArchiveLayer = (
  options: Omit<S3LargeObjectArchiveOptions, 'targetFor' | 'resolveTarget'> = {},
): Layer.Layer<LargeObjectArchive, never, CustomerDirectory> =>
  withDirectoryTargets(archiveTargetOf, (resolveTarget) => s3LargeObjectArchiveLayer({ ...options, resolveTarget }));

/** Object holds and disposal (tags, Object Lock legal holds) in each customer's archive, found through the directory. */
export const directoryS3ObjectRetentionLayer = (
  options: { readonly client?: S3ClientConfig } = {},
): Layer.Layer<ArchiveObjectRetention, never, CustomerDirectory> =>
  withDirectoryTargets(archiveTargetOf, (resolveTarget) =>
    s3ObjectRetentionLayer({ resolveTarget, ...(options.client ? { client: options.client } : {}) }),
  );
