import {
  GetObjectLockConfigurationCommand,
  GetObjectTaggingCommand,
  PutObjectLegalHoldCommand,
  PutObjectTaggingCommand,
  type S3Client,
  type Tag as S3Tag,
} from '@aws-sdk/client-s3';
import { Effect, Layer } from 'effect';
import { ArchiveObjectRetention, DISPOSITION_TAG, LEGAL_HOLD_TAG, type ObjectOutcome } from './object-retention.js';
import { acquireS3Targets, type S3ArchiveStoreOptions, statusOf, transient } from './s3.js';

const lockMissing = (cause: unknown): boolean =>
  (cause as { name?: string } | undefined)?.name === 'ObjectLockConfigurationNotFoundError' || statusOf(cause) === 404;

/**
 * Object holds and disposal on S3: tags in every bucket (the lifecycle rule
 * expires only `panops:disposition=disposable`), and an Object Lock legal
 * hold where the bucket has Object Lock enabled (found once per bucket with
 * GetObjectLockConfiguration).
 */
export const s3ObjectRetentionLayer = (
  options: Pick<S3ArchiveStoreOptions, 'targetFor' | 'resolveTarget' | 'client'>,
): Layer.Layer<ArchiveObjectRetention> =>
  Layer.effect(
    ArchiveObjectRetention,
    Effect.map(acquireS3Targets(options), (target) => {
      const lockByBucket = new Map<string, boolean>();

      const hasObjectLock = (client: S3Client, bucket: string, known: boolean | undefined) =>
        known !== undefined
          ? Effect.succeed(known)
          : lockByBucket.has(bucket)
            ? Effect.succeed(lockByBucket.get(bucket) as boolean)
            : Effect.tryPromise({
                try: () =>
                  client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })).then(
                    (out) => out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled',
                    (cause) => {
                      if (lockMissing(cause)) return false;
                      throw cause;
                    },
                  ),
                catch: transient(`reading the Object Lock configuration of s3://${bucket}`),
              }).pipe(Effect.tap((locked) => Effect.sync(() => lockByBucket.set(bucket, locked))));

      const send = <T>(detail: string, call: () => Promise<T>) =>
        Effect.tryPromise({ try: call, catch: transient(detail) });
      /** Replaces the object's tag set with the one tag (a hold, its release and disposal each state one). */
      const setTag = (detail: string, client: S3Client, bucket: string, key: string, tag: S3Tag) =>
        send(detail, () =>
          client.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: [tag] } })),
        );

      const each = (
        customerId: string,
        keys: readonly string[],
        act: (
          client: S3Client,
          bucket: string,
          objectKey: string,
          locked: boolean,
        ) => Effect.Effect<string | undefined, ReturnType<ReturnType<typeof transient>>>,
      ) =>
        Effect.gen(function* () {
          const { bucket, client, objectKey, objectLock } = yield* target(customerId);
          const locked = yield* hasObjectLock(client, bucket, objectLock);
          const done: string[] = [];
          const refused: { key: string; reason: string }[] = [];
          yield* Effect.forEach(
            keys,
            (key) =>
              Effect.map(act(client, bucket, objectKey(key), locked), (reason) => {
                if (reason === undefined) done.push(key);
                else refused.push({ key, reason });
              }),
            { concurrency: 8 },
          );
          return { done: done.sort(), refused } satisfies ObjectOutcome;
        });

      /**
       * Places (`on`) or lifts a hold on one object: the Object Lock legal hold
       * where the bucket has Object Lock, and the tag. Lifting replaces the set:
       * the object is neither held nor disposable (an explicit `off` rather than an
       * empty set, which some S3 implementations mishandle; DeleteObjectTagging
       * would do the same in S3).
       */
      const setHold = (on: boolean) => (client: S3Client, bucket: string, key: string, locked: boolean) =>
        Effect.gen(function* () {
          const where = `s3://${bucket}/${key}`;
          if (locked)
            yield* send(`${on ? 'placing' : 'lifting'} the legal hold on ${where}`, () =>
              client.send(
                new PutObjectLegalHoldCommand({ Bucket: bucket, Key: key, LegalHold: { Status: on ? 'ON' : 'OFF' } }),
              ),
            );
          const tag = { Key: LEGAL_HOLD_TAG.key, Value: on ? LEGAL_HOLD_TAG.on : LEGAL_HOLD_TAG.off };
          yield* setTag(on ? `tagging ${where} held` : `untagging ${where}`, client, bucket, key, tag);
          return undefined;
        });

      const hold = Effect.fn('ArchiveObjectRetention.hold')(function* (customerId: string, keys: readonly string[]) {
        return yield* each(customerId, keys, setHold(true));
      });

      const release = Effect.fn('ArchiveObjectRetention.release')(function* (
        customerId: string,
        keys: readonly string[],
      ) {
        return yield* each(customerId, keys, setHold(false));
      });

      const dispose = Effect.fn('ArchiveObjectRetention.dispose')(function* (
        customerId: string,
        keys: readonly string[],
      ) {
        return yield* each(customerId, keys, (client, bucket, key) =>
          Effect.gen(function* () {
            // Belt and braces: the rows said no hold; the object's own tag must agree.
            const tags = yield* send(`reading the tags of s3://${bucket}/${key}`, () =>
              client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key })),
            );
            if (tags.TagSet?.some((t) => t.Key === LEGAL_HOLD_TAG.key && t.Value === LEGAL_HOLD_TAG.on))
              return 'the object carries a legal hold tag';
            yield* setTag(`tagging s3://${bucket}/${key} disposable`, client, bucket, key, {
              Key: DISPOSITION_TAG.key,
              Value: DISPOSITION_TAG.disposable,
            });
            return undefined;
          }),
        );
      });

      return ArchiveObjectRetention.of({ hold, release, dispose });
    }),
  );
