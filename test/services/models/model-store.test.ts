import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Effect, Exit } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_MANIFEST_FILE, uploadModel } from '../../../src/services/models/model-store.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../pipeline/support/emulators.js';

const BUCKET = 'panops-models';

describe('models:upload against an S3 emulator (s3rver)', () => {
  let s3emu: S3Emulator;
  let s3: S3Client;
  let source: string;
  beforeAll(async () => {
    s3emu = await startS3([BUCKET]);
    s3 = new S3Client({
      endpoint: s3emu.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: emulatorCredentials,
    });
    source = mkdtempSync(join(tmpdir(), 'model-src-'));
    mkdirSync(join(source, 'tokenizer'));
    mkdirSync(join(source, '.cache', 'huggingface'), { recursive: true });
    writeFileSync(join(source, 'model.safetensors'), Buffer.alloc(64 * 1024, 3));
    writeFileSync(join(source, 'config.json'), '{"model_type":"bert"}');
    writeFileSync(join(source, 'tokenizer', 'tokenizer.json'), '{"version":"1.0"}');
    writeFileSync(join(source, '.cache', 'huggingface', 'download.lock'), '');
  });
  afterAll(async () => {
    s3.destroy();
    await s3emu.close();
    rmSync(source, { recursive: true, force: true });
  });

  it('puts every weight file under models/<id>/ and the manifest last, which the boot check accepts', async () => {
    s3emu.requests.length = 0;
    const uploaded = await Effect.runPromise(
      uploadModel({ s3, bucket: BUCKET, modelId: 'BAAI/bge-small-en-v1.5', from: source }),
    );
    expect(uploaded).toMatchObject({ prefix: 'models/BAAI/bge-small-en-v1.5/', files: 3 });

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: uploaded.prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual([
      'models/BAAI/bge-small-en-v1.5/SHA256SUMS',
      'models/BAAI/bge-small-en-v1.5/config.json',
      'models/BAAI/bge-small-en-v1.5/model.safetensors',
      'models/BAAI/bge-small-en-v1.5/tokenizer/tokenizer.json',
    ]);
    // The manifest is the last write: until it exists the boot sees the model as missing.
    const writes = s3emu.requests.filter((r) => r.method === 'PUT').map((r) => r.url);
    expect(writes.at(-1)).toContain(MODEL_MANIFEST_FILE);

    // What the boot does: sync the prefix down, then check it.
    const synced = mkdtempSync(join(tmpdir(), 'model-synced-'));
    for (const key of keys) {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      const file = join(synced, (key as string).slice(uploaded.prefix.length));
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(
        file,
        await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
    }
    const check = spawnSync('bash', ['images/boot/verify-model.sh', 'BAAI/bge-small-en-v1.5', synced], {
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    rmSync(synced, { recursive: true, force: true });
  });

  it('refuses a model id that is not <org>/<name>, before any upload', async () => {
    s3emu.requests.length = 0;
    const exit = await Effect.runPromiseExit(
      uploadModel({ s3, bucket: BUCKET, modelId: '../etc/passwd', from: source }),
    );
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(Exit.isFailure(exit) ? exit.cause : '')).toContain('InvalidModelIdError');
    expect(s3emu.requests).toEqual([]);
  });

  it('refuses an empty or missing folder with the folder named', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'model-empty-'));
    for (const from of [empty, join(empty, 'absent')]) {
      const exit = await Effect.runPromiseExit(
        uploadModel({ s3, bucket: BUCKET, modelId: 'openai/whisper-medium', from }),
      );
      expect(Exit.isFailure(exit)).toBe(true);
      expect(String(Exit.isFailure(exit) ? exit.cause : '')).toContain(from);
    }
    rmSync(empty, { recursive: true, force: true });
  });

  it('reports a failed write as a typed error naming the object', async () => {
    s3emu.failNext = { method: 'PUT', status: 500, count: 20 };
    const exit = await Effect.runPromiseExit(
      uploadModel({ s3, bucket: BUCKET, modelId: 'openai/whisper-medium', from: source }),
    );
    s3emu.failNext = undefined;
    expect(Exit.isFailure(exit)).toBe(true);
    expect(String(Exit.isFailure(exit) ? exit.cause : '')).toContain(
      's3://panops-models/models/openai/whisper-medium/',
    );
  });
});
