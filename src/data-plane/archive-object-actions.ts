/** S3 object operations of the workloads: read and write archives; nothing deletes. */
export const ARCHIVE_OBJECT_ACTIONS = [
  's3:GetObject',
  's3:GetObjectVersion',
  's3:PutObject',
  's3:AbortMultipartUpload',
] as const;
