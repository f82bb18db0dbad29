import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Context, Effect, Layer } from 'effect';
import { causeMessage } from '../aws/scoped-client.js';
import { type BadPayload, Transient } from '../pipeline/errors.js';
import { type ArchiveTarget, acquireS3Targets, objectExists, type S3ArchiveStoreOptions } from './s3.js';

/**
 * Large media (meeting and call recordings, up to several GB) archived as a
 * stream: never held whole in memory. Unlike the content-addressed
 * `ArchiveStore` (whose key needs the hash before the write), a recording is
 * keyed by its provider identity (`recordings/<provider>/<id>`) — a provider's
 * recording file never changes — and its SHA-256 is computed on the way
 * through and returned for the database row.
 *
 * (Added beside the pipeline's archive by the messaging connectors.)
 */
export interface StreamedObject {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
}

export class LargeObjectArchive extends Context.Service<
  LargeObjectArchive,
  {
    /** The key a recording of this provider identity is stored under. */
    readonly keyFor: (name: string) => string;
    /** Whether it is already archived (a redelivered webhook or the backstop poll skips the download). */
    readonly exists: (customerId: string, name: string) => Effect.Effect<boolean, Transient | BadPayload>;
    /** Streams `body` into the archive; memory stays bounded by the part size, whatever the length. */
    readonly putStream: (
      customerId: string,
      name: string,
      body: Readable,
      contentType: string,
    ) => Effect.Effect<StreamedObject, Transient | BadPayload>;
  }
>()('panops/archive/LargeObjectArchive') {}

const safeName = (name: string) => name.replace(/[^A-Za-z0-9._=/-]/g, '_');
export const largeObjectKey = (name: string): string => `recordings/${safeName(name)}`;

/** Counts and hashes bytes as they pass, so nothing needs a second read. */
export const hashingPassThrough = () => {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new PassThrough({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  return { stream, digest: () => ({ sha256: hash.digest('hex'), size }) };
};

export interface S3LargeObjectArchiveOptions {
  /** The bucket and key of a customer; undefined for an unknown customer (refused, never defaulted). */
  readonly targetFor?: (customerId: string) => ArchiveTarget | undefined;
  /** Resolves a customer's target when it is needed (the customer directory); used instead of `targetFor` when set. */
  readonly resolveTarget?: S3ArchiveStoreOptions['resolveTarget'];
  readonly client?: S3ClientConfig;
  /** Multipart part size. @default 8 MiB (S3's minimum is 5 MiB; 10,000 parts give 80 GB) */
  readonly partSizeBytes?: number;
  /** Parts uploaded concurrently; memory is about partSize × queueSize. @default 2 */
  readonly queueSize?: number;
}

const errorText = (cause: unknown) => causeMessage(cause);

/** S3 multipart upload (`@aws-sdk/lib-storage`), SSE-KMS with the customer's key on every object. */
export const s3LargeObjectArchiveLayer = (options: S3LargeObjectArchiveOptions) =>
  Layer.effect(
    LargeObjectArchive,
    Effect.map(acquireS3Targets(options), (target) => {
      const exists = (customerId: string, name: string) =>
        Effect.flatMap(target(customerId), (t) =>
          objectExists(
            t,
            largeObjectKey(name),
            (cause) => new Transient({ source: 'archive', detail: `checking ${name}: ${errorText(cause)}` }),
          ),
        );
      const putStream = (customerId: string, name: string, body: Readable, contentType: string) =>
        Effect.gen(function* () {
          const { bucket, kmsKeyId, client, objectKey, bucketKeyEnabled } = yield* target(customerId);
          // Returned relative to the customer's prefix, like the archive store's keys.
          const key = largeObjectKey(name);
          const hashing = hashingPassThrough();
          const upload = new Upload({
            client,
            partSize: options.partSizeBytes ?? 8 * 1024 * 1024,
            queueSize: options.queueSize ?? 2,
            leavePartsOnError: false,
            params: {
              Bucket: bucket,
              Key: objectKey(key),
              Body: hashing.stream,
              ContentType: contentType,
              ServerSideEncryption: 'aws:kms',
              SSEKMSKeyId: kmsKeyId,
              BucketKeyEnabled: bucketKeyEnabled ?? true,
            },
          });
          yield* Effect.tryPromise({
            // The source is piped while the upload pulls; a failure on either side fails both.
            try: () => Promise.all([pipeline(body, hashing.stream), upload.done()]),
            catch: (cause) => {
              body.destroy();
              void upload.abort().catch(() => undefined);
              return new Transient({
                source: 'archive',
                detail: `streaming ${name} to s3://${bucket}/${objectKey(key)}: ${errorText(cause)}`,
              });
            },
          });
          return { key, ...hashing.digest() };
        });
      return LargeObjectArchive.of({ keyFor: largeObjectKey, exists, putStream });
    }),
  );
