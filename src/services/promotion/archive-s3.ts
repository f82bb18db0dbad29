import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Effect } from 'effect';
import { causeMessage } from '../aws/scoped-client.js';
import type { ArchiveSide } from './archive.js';

export interface S3ArchiveSideOptions {
  readonly bucket: string;
  /** Key every written object is encrypted with (SSE-KMS set on each PUT): the destination's own key. @default the bucket default */
  readonly kmsKeyId?: string;
  /** Client settings (the data-access session's credentials, region; an endpoint in tests). */
  readonly client?: S3ClientConfig;
}

const attempt = <A>(what: string, run: () => Promise<A>): Effect.Effect<A, Error> =>
  Effect.tryPromise({
    try: run,
    catch: (cause) => new Error(`${what}: ${causeMessage(cause)}`),
  });

const notFound = (cause: unknown) =>
  (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404 ||
  ['NotFound', 'NoSuchKey'].includes((cause as { name?: string }).name ?? '');

/**
 * One bucket as a side of an archive move: paginated listing, whole-object
 * reads, write-once PUTs (HEAD first, then `If-None-Match: *`) encrypted with
 * the destination's key, deletes. In a versioned bucket a delete leaves a
 * delete marker; the noncurrent versions expire with the bucket's retention.
 */
export const s3ArchiveSide = (options: S3ArchiveSideOptions): ArchiveSide & { readonly close: () => void } => {
  const client = new S3Client(options.client ?? {});
  const Bucket = options.bucket;
  return {
    describe: `s3://${Bucket}`,
    close: () => client.destroy(),
    list: (prefix) =>
      attempt(`listing s3://${Bucket}/${prefix}`, async () => {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await client.send(
            new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 }),
          );
          for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys.sort();
      }),
    read: (key) =>
      attempt(`reading s3://${Bucket}/${key}`, async () => {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      }),
    writeIfAbsent: (key, bytes) =>
      attempt(`writing s3://${Bucket}/${key}`, async () => {
        const exists = await client.send(new HeadObjectCommand({ Bucket, Key: key })).then(
          () => true,
          (cause) => {
            if (notFound(cause)) return false;
            throw cause;
          },
        );
        if (exists) return false;
        await client.send(
          new PutObjectCommand({
            Bucket,
            Key: key,
            Body: bytes,
            IfNoneMatch: '*',
            ...(options.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: options.kmsKeyId } : {}),
          }),
        );
        return true;
      }),
    remove: (key) =>
      attempt(`removing s3://${Bucket}/${key}`, async () => {
        await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
      }),
  };
};
