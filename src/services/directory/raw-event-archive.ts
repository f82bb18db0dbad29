import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { GetParametersCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import { Cache, Duration, Effect, Exit, Layer } from 'effect';
import { RAW_EVENTS_PREFIX, ROLE_NAMES, roleArn } from '../../contracts/names.js';
import { POOLED_DATA, pooledArchivePrefix } from '../../contracts/pooled-data.js';
import { ArchiveStore } from '../archive/archive-store.js';
import { type ArchiveTarget, type S3ArchiveStoreOptions, s3ArchiveStoreLayer } from '../archive/s3.js';
import type { CustomerDirectory, CustomerLocation, DirectoryEntry } from './customer-directory.js';
import { dataAccountReadFailure, directoryReader, publishedLocationsOf } from './directory-reader.js';
import { withDirectoryTargets } from './directory-targets.js';
import { CustomerLocationMissing, type DirectoryError, directoryJobError } from './errors.js';
import { readDirectoryEntry } from './ssm.js';

/**
 * The webhook handler's archive: write-only, raw events only. Where the
 * connector workers assume a customer's data-access role, the internet-facing
 * handler assumes the data account's raw event writer
 * (`panops-webhook-raw-writer`, pooled: `panops-pooled-webhook-raw-writer`
 * with the customer session tag), which may PUT under `<prefix>raw/` and read
 * the two parameters that say where the bucket and key are; nothing else
 * (src/data-plane/raw-event-writer.ts). Objects are written without an S3
 * Bucket Key, so each data key's encryption context is the object's ARN,
 * which the role's key grant requires to be under `raw/`.
 *
 * The keys it returns are relative to the customer's prefix (`raw/objects/…`),
 * as every other archive key, so a connector reads them with its own session.
 */

/** The write-only role the handler assumes for a customer's entry (named by convention in every data account). */
export const rawEventWriterRoleArn = (entry: Pick<DirectoryEntry, 'tier' | 'accountId'>): string =>
  roleArn(entry.accountId, entry.tier === 'pooled' ? POOLED_DATA.rawWriterRole : ROLE_NAMES.webhookRawWriter);

/** The archive target for raw events of a located customer: its prefix plus `raw/`, no Bucket Key. */
export const rawEventTargetOf = (
  location: Pick<CustomerLocation, 'accountId' | 'region' | 'credentials' | 'archive'>,
): ArchiveTarget => ({
  bucket: location.archive.bucket,
  kmsKeyId: location.archive.kmsKeyArn,
  keyPrefix: `${location.archive.keyPrefix}${RAW_EVENTS_PREFIX}`,
  bucketKeyEnabled: false,
  ...(location.accountId === 'local' ? {} : { region: location.region }),
  ...(location.credentials ? { credentials: location.credentials } : {}),
});

/** The store's keys, made relative to the customer's prefix again (`raw/objects/sha256/…`). */
const rawKeys = (store: ArchiveStore['Service']): ArchiveStore['Service'] =>
  ArchiveStore.of({
    put: Effect.fn('RawEventArchive.put')(function* (customerId: string, bytes: Uint8Array, contentType: string) {
      const stored = yield* store.put(customerId, bytes, contentType);
      return { ...stored, key: `${RAW_EVENTS_PREFIX}${stored.key}` };
    }),
    get: Effect.fn('RawEventArchive.get')(function* (customerId: string, key: string) {
      return yield* store.get(customerId, key.replace(RAW_EVENTS_PREFIX, ''));
    }),
    exists: Effect.fn('RawEventArchive.exists')(function* (customerId: string, key: string) {
      return yield* store.exists(customerId, key.replace(RAW_EVENTS_PREFIX, ''));
    }),
  });

const rawArchiveLayer = (
  resolveTarget: NonNullable<S3ArchiveStoreOptions['resolveTarget']>,
  client: S3ClientConfig | undefined,
): Layer.Layer<ArchiveStore> =>
  Layer.effect(
    ArchiveStore,
    Effect.gen(function* () {
      return rawKeys(yield* ArchiveStore);
    }),
  ).pipe(Layer.provide(s3ArchiveStoreLayer({ resolveTarget, ...(client ? { client } : {}) })));

/** Local runs (the directory override): raw events under the located customer's prefix, with the process's credentials. */
export const directoryRawEventArchiveLayer = (
  options: { readonly client?: S3ClientConfig } = {},
): Layer.Layer<ArchiveStore, never, CustomerDirectory> =>
  withDirectoryTargets(rawEventTargetOf, (resolveTarget) => rawArchiveLayer(resolveTarget, options.client));

export interface SsmRawEventArchiveOptions {
  readonly ssm?: SSMClientConfig;
  readonly sts?: STSClientConfig;
  readonly client?: S3ClientConfig;
  /** How long a resolved target is reused. @default 5 minutes */
  readonly timeToLive?: Duration.Input;
  /** Start of every session name (`<prefix>-<customer id>`). @default 'panops-webhook' */
  readonly sessionNamePrefix?: string;
}

/**
 * The AWS raw event archive: the customer's directory entry, a session of
 * its data account's raw event writer, the published bucket and key read
 * with that session, cached per customer.
 */
export const ssmRawEventArchiveLayer = (options: SsmRawEventArchiveOptions = {}): Layer.Layer<ArchiveStore> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const { ssm, sessionFor } = yield* directoryReader({
        ...options,
        sessionNamePrefix: options.sessionNamePrefix ?? 'panops-webhook',
      });

      const lookup = (customerId: string): Effect.Effect<ArchiveTarget, DirectoryError> =>
        Effect.gen(function* () {
          const entry = yield* readDirectoryEntry(ssm, customerId);
          const role = rawEventWriterRoleArn(entry);
          const credentials = sessionFor(entry, role);
          const { root, names } = publishedLocationsOf(entry);
          const refused = dataAccountReadFailure({
            customerId,
            accountId: entry.accountId,
            roleArn: role,
            parameters: `${root}archive/*`,
            refusal: (message) => `the data account refused the raw event writer (${message}): deploy its stack`,
          });
          yield* Effect.tryPromise({ try: () => credentials(), catch: refused });
          const wanted = [names.archiveBucket, names.archiveKeyArn];
          const out = yield* Effect.acquireUseRelease(
            Effect.sync(() => new SSMClient({ region: entry.region, credentials })),
            (client) =>
              Effect.tryPromise({
                try: (signal) => client.send(new GetParametersCommand({ Names: wanted }), { abortSignal: signal }),
                catch: refused,
              }),
            (client) => Effect.sync(() => client.destroy()),
          );
          const values = new Map((out.Parameters ?? []).map((p) => [p.Name, p.Value]));
          const missing = wanted.filter((name) => !values.get(name));
          if (missing.length > 0)
            return yield* new CustomerLocationMissing({
              customerId,
              accountId: entry.accountId,
              missing,
              detail: 'the data account does not publish where its archive is',
            });
          return rawEventTargetOf({
            accountId: entry.accountId,
            region: entry.region,
            credentials,
            archive: {
              bucket: values.get(names.archiveBucket) as string,
              kmsKeyArn: values.get(names.archiveKeyArn) as string,
              keyPrefix: entry.tier === 'pooled' ? pooledArchivePrefix(entry.customerId) : '',
              bucketKeyEnabled: false,
            },
          });
        });

      const cache = yield* Cache.makeWith(lookup, {
        capacity: 2000,
        timeToLive: (exit) => (Exit.isSuccess(exit) ? (options.timeToLive ?? '5 minutes') : Duration.zero),
      });
      return rawArchiveLayer(
        (customerId) => Cache.get(cache, String(customerId).toLowerCase()).pipe(Effect.mapError(directoryJobError)),
        options.client,
      );
    }),
  );
