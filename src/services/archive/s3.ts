import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Effect, Layer } from 'effect';
import { BadPayload, Transient } from '../pipeline/errors.js';
import { ArchiveStore, archiveKeyFor, sha256Hex } from './archive-store.js';

/** Where one customer's archive lives: its own bucket, encrypted with its own key. */
export interface ArchiveTarget {
  readonly bucket: string;
  /** ARN (or id/alias) of the customer-managed KMS key every object is encrypted with. */
  readonly kmsKeyId: string;
}

export interface S3ArchiveStoreOptions {
  /** The bucket and key of a customer; undefined for an unknown customer (refused, never defaulted). */
  readonly targetFor: (customerId: string) => ArchiveTarget | undefined;
  /** Client settings (endpoint for s3rver in tests, region in AWS). @default the SDK's defaults */
  readonly client?: S3ClientConfig;
}

const statusOf = (cause: unknown): number | undefined =>
  (cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

const isNotFound = (cause: unknown): boolean =>
  statusOf(cause) === 404 || ['NotFound', 'NoSuchKey'].includes((cause as { name?: string } | undefined)?.name ?? '');

const transient = (detail: string) => (cause: unknown) =>
  new Transient({
    source: 'archive',
    detail: `${detail}: ${cause instanceof Error ? cause.message : String(cause)}`,
    ...(statusOf(cause) ? { status: statusOf(cause) as number } : {}),
  });

/**
 * The archive on S3. An object is written once: HEAD first (the common case
 * of a redelivered item costs no upload), then a conditional PUT
 * (`If-None-Match: *`) so two writers racing on one key cannot overwrite each
 * other. SSE-KMS with the customer's key is set on every PUT, not left to the
 * bucket default.
 */
export const s3ArchiveStoreLayer = (options: S3ArchiveStoreOptions): Layer.Layer<ArchiveStore> =>
  Layer.effect(
    ArchiveStore,
    Effect.acquireRelease(
      Effect.sync(() => new S3Client(options.client ?? {})),
      (client) => Effect.sync(() => client.destroy()),
    ).pipe(
      Effect.map((client) => {
        const target = (customerId: string) => {
          const found = options.targetFor(customerId);
          return found
            ? Effect.succeed(found)
            : Effect.fail(
                new BadPayload({ subject: 'archive', reason: 'no archive bucket configured', location: customerId }),
              );
        };

        const exists = (customerId: string, key: string) =>
          Effect.flatMap(target(customerId), ({ bucket }) =>
            Effect.tryPromise({
              try: (signal) =>
                client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal }).then(
                  () => true,
                  (cause) => {
                    if (isNotFound(cause)) return false;
                    throw cause;
                  },
                ),
              catch: transient(`checking s3://${bucket}/${key}`),
            }),
          );

        const put = Effect.fn('ArchiveStore.put')(function* (
          customerId: string,
          bytes: Uint8Array,
          contentType: string,
        ) {
          const { bucket, kmsKeyId } = yield* target(customerId);
          const sha256 = sha256Hex(bytes);
          const key = archiveKeyFor(sha256);
          if (yield* exists(customerId, key)) return { key, sha256, size: bytes.byteLength, created: false };
          const created = yield* Effect.tryPromise({
            try: (signal) =>
              client
                .send(
                  new PutObjectCommand({
                    Bucket: bucket,
                    Key: key,
                    Body: bytes,
                    ContentType: contentType,
                    IfNoneMatch: '*',
                    ServerSideEncryption: 'aws:kms',
                    SSEKMSKeyId: kmsKeyId,
                    BucketKeyEnabled: true,
                    Metadata: { sha256 },
                  }),
                  { abortSignal: signal },
                )
                .then(
                  () => true,
                  (cause) => {
                    // 412: another writer stored the same content first; it is the same bytes.
                    if (statusOf(cause) === 412) return false;
                    throw cause;
                  },
                ),
            catch: transient(`writing s3://${bucket}/${key}`),
          });
          return { key, sha256, size: bytes.byteLength, created };
        });

        const get = Effect.fn('ArchiveStore.get')(function* (customerId: string, key: string) {
          const { bucket } = yield* target(customerId);
          return yield* Effect.tryPromise({
            try: async (signal) => {
              const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
                abortSignal: signal,
              });
              return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
            },
            catch: (cause) =>
              isNotFound(cause)
                ? new BadPayload({ subject: 'archive', reason: 'no such object', location: `s3://${bucket}/${key}` })
                : transient(`reading s3://${bucket}/${key}`)(cause),
          });
        });

        return ArchiveStore.of({ put, get, exists });
      }),
    ),
  );
