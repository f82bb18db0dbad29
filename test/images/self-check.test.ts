import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUNDLE_FILE, prepareImageContext } from '../../src/common/image-context.js';
import {
  WHISPER_CUSTOMERS_ENV,
  WHISPER_CUSTOMERS_FILE,
  whisperCustomersJson,
} from '../../src/contracts/whisper-customers.js';

/**
 * Each image's entry point, bundled exactly as the image holds it, started
 * with `--self-check`: it loads its configuration as a real start does and
 * exits 0, or refuses a configuration it could not run with.
 */
const run = (bundle: string, env: Record<string, string>) =>
  spawnSync(process.execPath, [bundle, '--self-check'], {
    // Only what the container would have: no inherited PANOPS_* settings.
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

const queues = {
  PANOPS_CONNECTOR_JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/100000000010/panops-connector-jobs',
  PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/100000000010/panops-transcription-jobs',
  PANOPS_CURSOR_TABLE_NAME: 'panops-connector-cursors',
};

describe('the connector worker bundle', () => {
  let bundle: string;
  beforeAll(() => {
    bundle = join(prepareImageContext('connectorWorker').directory, 'dist', IMAGE_BUNDLE_FILE);
  });

  it('loads its configuration and exits 0 under --self-check', () => {
    const result = run(bundle, queues);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      selfCheck: 'ok',
      worker: 'connector-worker',
      cursorTableName: 'panops-connector-cursors',
      concurrency: 4,
      directory: 'aws',
    });
  });

  it('refuses a malformed directory override under --self-check, naming the variable', () => {
    const result = run(bundle, { ...queues, ARCHIVE_TARGETS: '{nope' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^error: configuration: .*ARCHIVE_TARGETS/);
  });

  it('refuses to start without its queue, naming the variable', () => {
    const { PANOPS_CONNECTOR_JOBS_QUEUE_URL: _, ...rest } = queues;
    const result = run(bundle, rest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^error: configuration: .*PANOPS_CONNECTOR_JOBS_QUEUE_URL/);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    const result = run(bundle, { ...queues, PANOPS_WORKER_CONCURRENCY: 'many' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('PANOPS_WORKER_CONCURRENCY');
  });
});

describe('the transcription worker bundle', () => {
  const customers = [
    { id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', whisperModel: 'large-v3' },
    { id: '7a4d9c2e-1b3f-4e8a-9d6c-5f2e8b1a7c03', whisperModel: 'medium' },
  ];
  let context: string;
  beforeAll(() => {
    context = prepareImageContext('transcriptionWorker', {
      [WHISPER_CUSTOMERS_FILE]: whisperCustomersJson(customers),
    }).directory;
  });
  const start = (file: string) =>
    run(join(context, 'dist', IMAGE_BUNDLE_FILE), {
      PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: queues.PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL,
      [WHISPER_CUSTOMERS_ENV]: file,
    });

  it('loads the customers file it carries and exits 0 under --self-check', () => {
    const result = start(join(context, 'dist', WHISPER_CUSTOMERS_FILE));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      selfCheck: 'ok',
      worker: 'transcription-worker',
      customers: 2,
    });
  });

  it('refuses to start without its queue, naming the variable (the connector queue and cursor table it never asks for)', () => {
    const result = run(join(context, 'dist', IMAGE_BUNDLE_FILE), {
      [WHISPER_CUSTOMERS_ENV]: join(context, 'dist', WHISPER_CUSTOMERS_FILE),
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/^error: configuration: .*PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL/);
    expect(result.stderr).not.toMatch(/PANOPS_CONNECTOR_JOBS_QUEUE_URL|PANOPS_CURSOR_TABLE_NAME/);
  });

  it('refuses to start when the customers file is not where it is told, naming it', () => {
    const result = start(join(context, 'no-such-file.json'));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no-such-file.json');
  });

  it('refuses a customers file naming a Whisper model the blueprint does not know, naming the entry', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whisper-customers-'));
    const file = join(dir, WHISPER_CUSTOMERS_FILE);
    writeFileSync(file, whisperCustomersJson([{ id: customers[0]?.id ?? '', whisperModel: 'tiny-v9' }]));
    const result = start(file);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('unknown Whisper model "tiny-v9"');
    expect(result.stderr).toContain(file);
  });
});
