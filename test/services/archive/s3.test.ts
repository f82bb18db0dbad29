import { GetObjectTaggingCommand, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { Effect, Exit, type Layer } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISPOSITION_TAG } from '../../../src/contracts/archive-tags.js';
import { ArchiveStore, archiveKeyFor, sha256Hex } from '../../../src/services/archive/archive-store.js';
import { s3ArchiveStoreLayer } from '../../../src/services/archive/s3.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../pipeline/support/emulators.js';

const ACME = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const BOREALIS = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
const KEYS: Record<string, string> = {
  [ACME]: 'arn:aws:kms:us-east-1:200000000001:key/acme-archive',
  [BOREALIS]: 'arn:aws:kms:us-east-1:200000000002:key/borealis-archive',
};

let s3: S3Emulator;
let layer: Layer.Layer<ArchiveStore>;
beforeAll(async () => {
  s3 = await startS3(['acme-archive', 'borealis-archive']);
  layer = s3ArchiveStoreLayer({
    targetFor: (id) =>
      id === ACME
        ? { bucket: 'acme-archive', kmsKeyId: KEYS[ACME] as string }
        : id === BOREALIS
          ? { bucket: 'borealis-archive', kmsKeyId: KEYS[BOREALIS] as string }
          : undefined,
    client: {
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: emulatorCredentials,
      maxAttempts: 1,
    },
  });
});
afterAll(() => s3.close());

const withArchive = <A, E>(f: (archive: ArchiveStore['Service']) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      return yield* f(yield* ArchiveStore);
    }).pipe(Effect.provide(layer)),
  );

const mime = (subject: string) =>
  new TextEncoder().encode(`Subject: ${subject}\r\nFrom: a@example.com\r\n\r\nbody\r\n`);

describe('S3 archive store', () => {
  it('stores the raw bytes under their SHA-256 and reads them back unchanged', async () => {
    const bytes = mime('round trip');
    const exit = await withArchive((archive) =>
      Effect.gen(function* () {
        const stored = yield* archive.put(ACME, bytes, 'message/rfc822');
        return { stored, back: yield* archive.get(ACME, stored.key) };
      }),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.stored.key).toBe(archiveKeyFor(sha256Hex(bytes)));
    expect(exit.value.stored.created).toBe(true);
    expect(Buffer.from(exit.value.back).equals(Buffer.from(bytes))).toBe(true);
  });

  it('writes an object once: the same content again is not uploaded a second time', async () => {
    const bytes = mime('write once');
    s3.requests.length = 0;
    const exit = await withArchive((archive) =>
      Effect.all([archive.put(ACME, bytes, 'message/rfc822'), archive.put(ACME, bytes, 'message/rfc822')]),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.map((o) => o.created)).toEqual([true, false]);
    expect(s3.requests.filter((r) => r.method === 'PUT')).toHaveLength(1);
  });

  it('the same bytes stored again after disposition are no longer disposable (the lifecycle would expire them)', async () => {
    const bytes = mime('disposed, then received again');
    const key = archiveKeyFor(sha256Hex(bytes));
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: emulatorCredentials,
    });
    const tagsOf = async () =>
      (await client.send(new GetObjectTaggingCommand({ Bucket: 'acme-archive', Key: key }))).TagSet ?? [];
    const first = await withArchive((archive) => archive.put(ACME, bytes, 'message/rfc822'));
    if (!Exit.isSuccess(first)) throw new Error(String(first.cause));
    // What the disposition job does once the last row naming the object is gone.
    await client.send(
      new PutObjectTaggingCommand({
        Bucket: 'acme-archive',
        Key: key,
        Tagging: { TagSet: [{ Key: DISPOSITION_TAG.key, Value: DISPOSITION_TAG.disposable }] },
      }),
    );
    expect(await tagsOf()).toContainEqual({ Key: DISPOSITION_TAG.key, Value: DISPOSITION_TAG.disposable });
    const again = await withArchive((archive) => archive.put(ACME, bytes, 'message/rfc822'));
    if (!Exit.isSuccess(again)) throw new Error(String(again.cause));
    expect(again.value.created).toBe(false);
    expect((await tagsOf()).map((t) => t.Key)).not.toContain(DISPOSITION_TAG.key);
    client.destroy();
  });

  it("encrypts every object with the customer's own KMS key and sends it only to the customer's bucket", async () => {
    s3.requests.length = 0;
    const exit = await withArchive((archive) =>
      Effect.all([
        archive.put(ACME, mime('acme key'), 'message/rfc822'),
        archive.put(BOREALIS, mime('b key'), 'message/rfc822'),
      ]),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    const puts = s3.requests.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(2);
    expect(puts[0]?.url).toMatch(/^\/acme-archive\/objects\/sha256\//);
    expect(puts[1]?.url).toMatch(/^\/borealis-archive\/objects\/sha256\//);
    for (const [i, id] of [ACME, BOREALIS].entries()) {
      expect(puts[i]?.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(puts[i]?.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KEYS[id]);
      expect(puts[i]?.headers['if-none-match']).toBe('*');
    }
  });

  it('refuses a customer without a configured bucket instead of writing anywhere', async () => {
    const exit = await withArchive((archive) =>
      archive.put('00000000-0000-4000-8000-000000000000', mime('x'), 'message/rfc822'),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain('no archive bucket configured');
  });

  it('reports a 5xx from S3 as a transient failure', async () => {
    s3.failNext = { method: 'PUT', status: 503, count: 1 };
    const exit = await withArchive((archive) => archive.put(ACME, mime('unavailable'), 'message/rfc822'));
    s3.failNext = undefined;
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain('Transient');
  });
});
