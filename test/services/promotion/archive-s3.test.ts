import { Effect } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pooledArchivePrefix } from '../../../src/contracts/pooled-data.js';
import { digestArchive } from '../../../src/services/promotion/archive.js';
import { s3ArchiveSide } from '../../../src/services/promotion/archive-s3.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../pipeline/support/emulators.js';

/** The archive move between two buckets on a local S3 (s3rver): the pooled bucket's prefix into the customer's own bucket. */
const CUSTOMER = 'c4d2e6f8-0a1b-4c3d-8e5f-7a9b1c3d5e03';
const NEIGHBOUR = '00000000-0000-4000-8000-000000000099';
const KEY = 'arn:aws:kms:us-east-1:200000000003:key/cobalt';

let s3: S3Emulator;
const sideOf = (bucket: string, kmsKeyId?: string) =>
  s3ArchiveSide({
    bucket,
    ...(kmsKeyId ? { kmsKeyId } : {}),
    client: {
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: emulatorCredentials,
      maxAttempts: 1,
    },
  });

beforeAll(async () => {
  s3 = await startS3(['panops-pooled-archive', 'cobalt-archive']);
});
afterAll(() => s3.close());

describe('an archive side on S3', () => {
  it('lists a prefix across pages, writes once with the destination key, and re-keys objects so both sides digest alike', async () => {
    const pooled = sideOf('panops-pooled-archive');
    const own = sideOf('cobalt-archive', KEY);
    const prefix = pooledArchivePrefix(CUSTOMER);
    const outcome = await Effect.runPromise(
      Effect.gen(function* () {
        for (let i = 0; i < 3; i++)
          yield* pooled.writeIfAbsent(`${prefix}objects/o${i}`, new TextEncoder().encode(`object ${i}`));
        yield* pooled.writeIfAbsent(
          `${pooledArchivePrefix(NEIGHBOUR)}objects/n0`,
          new TextEncoder().encode('neighbour'),
        );
        const keys = yield* pooled.list(prefix);
        const written: boolean[] = [];
        for (const key of keys)
          written.push(yield* own.writeIfAbsent(key.slice(prefix.length), yield* pooled.read(key)));
        const again = yield* own.writeIfAbsent('objects/o0', new TextEncoder().encode('different bytes'));
        return {
          keys,
          written,
          again,
          pooledDigest: yield* digestArchive(pooled, prefix),
          ownDigest: yield* digestArchive(own, ''),
          neighbour: yield* pooled.list(pooledArchivePrefix(NEIGHBOUR)),
        };
      }),
    );
    expect(outcome.keys).toHaveLength(3);
    expect(outcome.written).toEqual([true, true, true]);
    expect(outcome.again).toBe(false);
    expect(outcome.ownDigest).toEqual(outcome.pooledDigest);
    expect(outcome.neighbour).toHaveLength(1);
    const puts = s3.requests.filter((r) => r.method === 'PUT' && r.url.includes('cobalt-archive/objects'));
    expect(puts.length).toBe(3);
    for (const put of puts) expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KEY);
    pooled.close();
    own.close();
  });
});
