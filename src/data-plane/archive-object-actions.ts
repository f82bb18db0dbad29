/**
 * S3 object operations of the workloads: read and write archives, and the
 * retention operations (sql/0014, src/services/archive/object-retention-s3.ts):
 * tag an object held or disposable, place or lift an Object Lock legal hold.
 * Nothing deletes: objects go only by the bucket's lifecycle, which expires
 * only objects tagged disposable (src/data-plane/locked-bucket.ts).
 */
export const ARCHIVE_OBJECT_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:GetObjectTagging',
  's3:PutObjectTagging',
  's3:PutObjectLegalHold',
] as const;

/** Bucket operations of the workloads: whether the bucket has Object Lock (a hold is then also a legal hold). */
export const ARCHIVE_BUCKET_READ_ACTIONS = ['s3:GetBucketObjectLockConfiguration'] as const;
