import {
  CreateBucketCommand,
  GetObjectLegalHoldCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Effect, Layer } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ObjectUnderLifecycle,
  rulesExpiring,
  type SynthesizedLifecycleRule,
} from '../../src/data-plane/lifecycle-filter.js';
import { LockedBucket } from '../../src/data-plane/locked-bucket.js';
import { PooledArchive } from '../../src/pooled-data/pooled-archive.js';
import { archiveKeyFor, sha256Hex } from '../../src/services/archive/archive-store.js';
import { ArchiveObjectRetention } from '../../src/services/archive/object-retention.js';
import { s3ObjectRetentionLayer } from '../../src/services/archive/object-retention-s3.js';
import { ArchiveBucket } from '../../src/tenant/archive-bucket.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../services/pipeline/support/emulators.js';
import { type Moto, startMoto } from '../support/moto.js';

/** The lifecycle rules of the one bucket a construct synthesizes. */
const rulesOf = (build: (stack: Stack) => void, role: string): SynthesizedLifecycleRule[] => {
  const stack = new Stack(new App(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  build(stack);
  const buckets = Object.values(Template.fromStack(stack).findResources('AWS::S3::Bucket')).filter((b) =>
    (b.Properties?.Tags as { Key: string; Value: string }[] | undefined)?.some(
      (t) => t.Key === 'panops:role' && t.Value === role,
    ),
  );
  expect(buckets).toHaveLength(1);
  return buckets[0]?.Properties.LifecycleConfiguration.Rules as SynthesizedLifecycleRule[];
};

const logs = (stack: Stack) =>
  new LockedBucket(stack, 'Logs', {
    encryptionKey: new Key(stack, 'LogKey'),
    retentionDays: 30,
    serverAccessLogs: 'is-log-destination',
  });
const dedicated = (objectLockMode?: 'COMPLIANCE') =>
  rulesOf(
    (stack) =>
      new ArchiveBucket(stack, 'Archive', {
        encryptionKey: new Key(stack, 'K'),
        retentionDays: 30,
        ...(objectLockMode ? { objectLockMode } : {}),
        serverAccessLogs: { destination: logs(stack), prefix: 'archive/' },
      }),
    'archive-bucket',
  );
const pooled = () =>
  rulesOf(
    (stack) =>
      new PooledArchive(stack, 'Pooled', {
        encryptionKey: new Key(stack, 'K'),
        customers: [{ id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', slug: 'acme', retentionDays: 30 }],
        serverAccessLogs: { destination: logs(stack), prefix: 'pooled/' },
      }),
    'pooled-archive-bucket',
  );

const BUCKET = 'lifecycle-archive';
const CUSTOMER = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
let s3: S3Emulator;
let client: S3Client;
beforeAll(async () => {
  s3 = await startS3([BUCKET]);
  client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: emulatorCredentials,
  });
});
afterAll(async () => {
  client?.destroy();
  await s3?.close();
});

const put = async (c: S3Client, bucket: string, text: string) => {
  const bytes = new TextEncoder().encode(text);
  const key = archiveKeyFor(sha256Hex(bytes));
  await c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
  return key;
};
const objectAt = async (c: S3Client, bucket: string, key: string, ageDays: number): Promise<ObjectUnderLifecycle> => {
  const { TagSet } = await c.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }));
  return { key, ageDays, tags: Object.fromEntries((TagSet ?? []).map((t) => [t.Key, t.Value])) };
};

describe('archive objects under the synthesized lifecycle (s3rver at the wire, expiry simulated by the rules’ own filters)', () => {
  const withService = <X>(use: (o: typeof ArchiveObjectRetention.Service) => Effect.Effect<X, unknown>) =>
    Effect.runPromise(
      Effect.gen(function* () {
        return yield* use(yield* ArchiveObjectRetention);
      }).pipe(
        Effect.provide(
          Layer.fresh(
            s3ObjectRetentionLayer({
              targetFor: () => ({ bucket: BUCKET, kmsKeyId: 'alias/test', objectLock: false }),
              client: {
                endpoint: s3.endpoint,
                region: 'us-east-1',
                forcePathStyle: true,
                credentials: emulatorCredentials,
              },
            }),
          ),
        ),
      ) as Effect.Effect<X>,
    );

  it.each([
    ['a dedicated bucket without Object Lock', () => dedicated()],
    ['a dedicated WORM bucket', () => dedicated('COMPLIANCE')],
    ['the pooled bucket', () => pooled()],
  ])('in %s, held and untagged objects never expire, however old; disposable ones do', async (_, rules) => {
    const synthesized = rules();
    const held = await put(client, BUCKET, `held ${_}`);
    const untouched = await put(client, BUCKET, `untouched ${_}`);
    const gone = await put(client, BUCKET, `gone ${_}`);
    await withService((o) => o.hold(CUSTOMER, [held]));
    // A disposal of a held object is refused by its tag, whatever the caller says.
    const refused = await withService((o) => o.dispose(CUSTOMER, [held, gone]));
    expect(refused.done).toEqual([gone]);
    expect(refused.refused.map((r) => r.key)).toEqual([held]);
    const prefix = synthesized.find((r) => r.Prefix)?.Prefix ?? '';
    const age = 36_500;
    const expiring = async (key: string) =>
      rulesExpiring(synthesized, { ...(await objectAt(client, BUCKET, key, age)), key: `${prefix}${key}` }).map(
        (r) => r.Id,
      );
    expect(await expiring(held)).toEqual([]);
    expect(await expiring(untouched)).toEqual([]);
    expect(await expiring(gone)).toEqual([expect.stringMatching(/^disposition/)]);
    // Released: no longer held, not disposable either until disposition decides.
    await withService((o) => o.release(CUSTOMER, [held]));
    expect(await expiring(held)).toEqual([]);
    expect((await objectAt(client, BUCKET, held, age)).tags).toEqual({ 'panops:legal-hold': 'off' });
  });

  it('the assertion bites: the old age-based rule would have expired a held object', () => {
    const ageRule: SynthesizedLifecycleRule = { Id: 'retention', Status: 'Enabled', ExpirationInDays: 30 };
    expect(rulesExpiring([ageRule], { key: 'k', tags: { 'panops:legal-hold': 'on' }, ageDays: 31 })).toHaveLength(1);
  });
});

describe('Object Lock legal holds (moto_server: S3 with Object Lock at the wire)', () => {
  let moto: Moto;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => moto?.close());

  it('a hold in an Object Lock bucket is an Object Lock legal hold, found by asking the bucket; a release lifts it', async () => {
    const c = new S3Client({ ...moto.client, forcePathStyle: true });
    const bucket = 'worm-archive';
    await c.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const key = await put(c, bucket, 'worm object');
    const service = s3ObjectRetentionLayer({
      targetFor: () => ({ bucket, kmsKeyId: 'alias/test' }),
      client: { ...moto.client, forcePathStyle: true },
    });
    const status = async () =>
      (await c.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key }))).LegalHold?.Status;
    await Effect.runPromise(
      Effect.gen(function* () {
        return yield* (yield* ArchiveObjectRetention).hold(CUSTOMER, [key]);
      }).pipe(Effect.provide(service)),
    );
    expect(await status()).toBe('ON');
    await Effect.runPromise(
      Effect.gen(function* () {
        return yield* (yield* ArchiveObjectRetention).release(CUSTOMER, [key]);
      }).pipe(Effect.provide(service)),
    );
    expect(await status()).toBe('OFF');
    c.destroy();
  }, 60_000);
});
