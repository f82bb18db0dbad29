import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect } from 'effect';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatManifest, MODEL_MANIFEST_FILE, manifestOf } from '../../src/services/models/model-store.js';

/** The boot's weight check, run as the GPU instances run it (bash, sha256sum) on a model folder. */
const SCRIPT = 'images/boot/verify-model.sh';
const verify = (folder: string) => spawnSync('bash', [SCRIPT, 'openai/whisper-medium', folder], { encoding: 'utf8' });

describe('verify-model.sh (the boot refuses missing or differing weights)', () => {
  let folder: string;
  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'model-'));
    mkdirSync(join(folder, 'tokenizer'));
    writeFileSync(join(folder, 'model.safetensors'), Buffer.alloc(4096, 7));
    writeFileSync(join(folder, 'config.json'), '{"architectures":["WhisperForConditionalGeneration"]}');
    writeFileSync(join(folder, 'tokenizer', 'vocab.json'), '{"a":1}');
    // The manifest exactly as models:upload writes it.
    const entries = await Effect.runPromise(manifestOf(folder));
    writeFileSync(join(folder, MODEL_MANIFEST_FILE), formatManifest(entries));
  });
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('accepts weights that match their manifest', () => {
    const result = verify(folder);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('weights of openai/whisper-medium verified (3 files');
  });

  it('refuses a model whose weights were never uploaded', () => {
    const result = verify(join(folder, 'absent'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('refusing to start the server for openai/whisper-medium: its weights are missing');
    expect(result.stderr).toContain('npx projen models:upload -- --model openai/whisper-medium');
  });

  it('refuses a weight file whose checksum differs', () => {
    writeFileSync(join(folder, 'model.safetensors'), Buffer.alloc(4096, 8));
    const result = verify(folder);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('model.safetensors: FAILED');
    expect(result.stderr).toContain('checksum differs');
  });

  it('refuses a model with a listed file missing (a half-finished sync)', () => {
    unlinkSync(join(folder, 'tokenizer', 'vocab.json'));
    const result = verify(folder);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('tokenizer/vocab.json');
  });

  it('refuses an empty manifest', () => {
    writeFileSync(join(folder, MODEL_MANIFEST_FILE), '');
    expect(verify(folder).status).toBe(1);
  });
});
