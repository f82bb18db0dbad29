import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Effect, Layer } from 'effect';
import { DISPOSITION_TAG, LEGAL_HOLD_TAG } from '../../contracts/archive-tags.js';
import { causeMessage } from '../aws/scoped-client.js';
import { BadPayload, Transient } from '../pipeline/errors.js';
import { ArchiveStore, archiveKeyFor, sha256Hex } from './archive-store.js';

/** Where one customer's archive lives: its own bucket, encrypted with its own key. */
export interface ArchiveTarget {
  readonly bucket: string;
  /** ARN (or id/alias) of the customer-managed KMS key every object is encrypted with. */
  readonly kmsKeyId: string;
  /**
   * Prefix of the customer's objects in the bucket (the pooled archive:
   * `customers/<id>/`). Keys that the store returns and accepts stay relative
   * to it, so the rows that record them do not change when a customer moves
   * to its own bucket. @default '' (the customer's own bucket)
   */
  readonly keyPrefix?: string;
  /** Credentials to reach the bucket with (the customer's data-access role session). @default the client's own */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** Region of the bucket. @default the client's */
  readonly region?: string;
  /**
   * S3 Bucket Keys on each PUT. Off for the pooled archive, whose key policy
   * binds every object's data key to the object's ARN (the customer's
   * prefix); a bucket key would carry the bucket's ARN and be refused. @default true
   */
  readonly bucketKeyEnabled?: boolean;
  /**
   * Whether the bucket has S3 Object Lock (then a legal hold is also an Object
   * Lock legal hold). @default asked of S3 once (GetObjectLockConfiguration)
   */
  readonly objectLock?: boolean;
}

export interface S3ArchiveStoreOptions {
  /** The bucket and key of a customer; undefined for an unknown customer (refused, never defaulted). */
  readonly targetFor?: (customerId: string) => ArchiveTarget | undefined;
  /**
   * Resolves a customer's target when it is needed (the customer directory,
   * `src/services/directory/archive.ts`); used instead of `targetFor` when set.
   */
  readonly resolveTarget?: (customerId: string) => Effect.Effect<ArchiveTarget, Transient | BadPayload>;
  /** Client settings (endpoint for s3rver in tests, region in AWS). @default the SDK's defaults */
  readonly client?: S3ClientConfig;
}

export const statusOf = (cause: unknown): number | undefined =>
  (cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

const isNotFound = (cause: unknown): boolean =>
  statusOf(cause) === 404 || ['NotFound', 'NoSuchKey'].includes((cause as { name?: string } | undefined)?.name ?? '');

/**
 * A session scoped to one prefix (the pooled archive) may list only under
 * that prefix, and S3 answers a HEAD of a missing key with 403 to a caller
 * that cannot list the bucket. Treated as absent there: the write that
 * follows is conditional (`If-None-Match: *`) and fails loudly if the
 * session really is refused.
 */
export const absentBehindPrefix = (keyPrefix: string | undefined, cause: unknown): boolean =>
  Boolean(keyPrefix) && statusOf(cause) === 403;

/** A customer's target as resolved: with the client to reach it and its object keys. */
export type ResolvedTarget = ArchiveTarget & {
  readonly client: S3Client;
  /** The object key in the bucket for a key relative to the customer's prefix. */
  readonly objectKey: (key: string) => string;
};

/**
 * Whether an object exists in a customer's target (HEAD of `key`, relative to
 * the prefix): not found, or refused behind a prefix-scoped session, is
 * absent; any other failure is the caller's `failed(cause)`.
 */
export const objectExists = <E>(
  { client, bucket, objectKey, keyPrefix }: ResolvedTarget,
  key: string,
  failed: (cause: unknown) => E,
): Effect.Effect<boolean, E> =>
  Effect.tryPromise({
    try: (signal) =>
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }), { abortSignal: signal }).then(
        () => true,
        (cause) => {
          if (isNotFound(cause) || absentBehindPrefix(keyPrefix, cause)) return false;
          throw cause;
        },
      ),
    catch: failed,
  });

export const transient = (detail: string) => (cause: unknown) =>
  new Transient({
    source: 'archive',
    detail: `${detail}: ${causeMessage(cause)}`,
    ...(statusOf(cause) ? { status: statusOf(cause) as number } : {}),
  });

/** The default S3 client and one per data-access session (or region): S3 credentials are per client. */
export interface S3Clients {
  readonly default: S3Client;
  readonly scoped: Map<unknown, S3Client>;
  readonly config: S3ClientConfig;
}

/** The clients of an S3 store, destroyed with its scope. */
const acquireS3Clients = (config: S3ClientConfig = {}) =>
  Effect.acquireRelease(
    Effect.sync((): S3Clients => ({ default: new S3Client(config), scoped: new Map(), config })),
    (clients) =>
      Effect.sync(() => {
        clients.default.destroy();
        for (const scoped of clients.scoped.values()) scoped.destroy();
      }),
  );

const clientFor = (clients: S3Clients, found: ArchiveTarget): S3Client => {
  const key = found.credentials ?? found.region;
  if (key === undefined) return clients.default;
  let scoped = clients.scoped.get(key);
  if (!scoped) {
    scoped = new S3Client({
      ...clients.config,
      ...(found.region ? { region: found.region } : {}),
      ...(found.credentials ? { credentials: found.credentials } : {}),
    });
    clients.scoped.set(key, scoped);
  }
  return scoped;
};

/**
 * A customer's target with the client to reach it and its object keys: from
 * `resolveTarget` when set, else `targetFor` (an unknown customer is refused,
 * never defaulted).
 */
const s3TargetResolver =
  (
    options: Pick<S3ArchiveStoreOptions, 'targetFor' | 'resolveTarget'>,
    clients: S3Clients,
  ): ((customerId: string) => Effect.Effect<ResolvedTarget, Transient | BadPayload>) =>
  (customerId) => {
    const found = options.resolveTarget
      ? options.resolveTarget(customerId)
      : Effect.suspend(() => {
          const configured = options.targetFor?.(customerId);
          return configured
            ? Effect.succeed(configured)
            : Effect.fail(
                new BadPayload({ subject: 'archive', reason: 'no archive bucket configured', location: customerId }),
              );
        });
    return Effect.map(found, (t) => ({
      ...t,
      client: clientFor(clients, t),
      objectKey: (key: string) => `${t.keyPrefix ?? ''}${key}`,
    }));
  };

/**
 * What every S3 layer of the archive starts from: each customer's target
 * (bucket, key prefix, the client that reaches it), its clients destroyed
 * with the layer's scope.
 */
export const acquireS3Targets = (options: Pick<S3ArchiveStoreOptions, 'client' | 'targetFor' | 'resolveTarget'>) =>
  Effect.map(acquireS3Clients(options.client), (clients) => s3TargetResolver(options, clients));

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
    Effect.map(acquireS3Targets(options), (target) => {
      const exists = (customerId: string, key: string) =>
        Effect.flatMap(target(customerId), (t) =>
          objectExists(t, key, transient(`checking s3://${t.bucket}/${t.objectKey(key)}`)),
        );

      /**
       * The same bytes stored again after disposition tagged the object disposable (its last row gone):
       * a new row is about to name it, so the object stops being disposable before the put returns,
       * or the lifecycle would expire what the archive holds. PutObjectTagging replaces the whole set
       * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html); an explicit
       * not-held tag stands for the empty set, as the hold service writes it.
       */
      const reclaim = (client: S3Client, bucket: string, key: string) =>
        Effect.tryPromise({
          try: async (signal) => {
            const { TagSet = [] } = await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }), {
              abortSignal: signal,
            });
            if (!TagSet.some((t) => t.Key === DISPOSITION_TAG.key)) return;
            const kept = TagSet.filter((t) => t.Key !== DISPOSITION_TAG.key);
            await client.send(
              new PutObjectTaggingCommand({
                Bucket: bucket,
                Key: key,
                Tagging: { TagSet: kept.length > 0 ? kept : [{ Key: LEGAL_HOLD_TAG.key, Value: LEGAL_HOLD_TAG.off }] },
              }),
              { abortSignal: signal },
            );
          },
          catch: transient(`reclaiming s3://${bucket}/${key} from disposition`),
        });

      const put = Effect.fn('ArchiveStore.put')(function* (customerId: string, bytes: Uint8Array, contentType: string) {
        const resolved = yield* target(customerId);
        const { bucket, kmsKeyId, client, objectKey, bucketKeyEnabled } = resolved;
        const sha256 = sha256Hex(bytes);
        const key = archiveKeyFor(sha256);
        // One resolution of the customer's bucket serves the HEAD and the PUT (it may read the customer directory).
        if (yield* objectExists(resolved, key, transient(`checking s3://${bucket}/${objectKey(key)}`))) {
          yield* reclaim(client, bucket, objectKey(key));
          return { key, sha256, size: bytes.byteLength, created: false };
        }
        const created = yield* Effect.tryPromise({
          try: (signal) =>
            client
              .send(
                new PutObjectCommand({
                  Bucket: bucket,
                  Key: objectKey(key),
                  Body: bytes,
                  ContentType: contentType,
                  IfNoneMatch: '*',
                  ServerSideEncryption: 'aws:kms',
                  SSEKMSKeyId: kmsKeyId,
                  BucketKeyEnabled: bucketKeyEnabled ?? true,
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
          catch: transient(`writing s3://${bucket}/${objectKey(key)}`),
        });
        return { key, sha256, size: bytes.byteLength, created };
      });

      const get = Effect.fn('ArchiveStore.get')(function* (customerId: string, key: string) {
        const { bucket, client, objectKey } = yield* target(customerId);
        return yield* Effect.tryPromise({
          try: async (signal) => {
            const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey(key) }), {
              abortSignal: signal,
            });
            return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
          },
          catch: (cause) =>
            isNotFound(cause)
              ? new BadPayload({
                  subject: 'archive',
                  reason: 'no such object',
                  location: `s3://${bucket}/${objectKey(key)}`,
                })
              : transient(`reading s3://${bucket}/${objectKey(key)}`)(cause),
        });
      });

      return ArchiveStore.of({ put, get, exists });
    }),
  );
