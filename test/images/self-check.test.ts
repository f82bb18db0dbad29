import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_BUNDLE_FILE, prepareImageContext } from '../../src/common/image-context.js';

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
    });
  });

  it('refuses to start without its queue, naming the variable', () => {
    const { PANOPS_CONNECTOR_JOBS_QUEUE_URL: _, ...rest } = queues;
    const result = run(bundle, rest);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('PANOPS_CONNECTOR_JOBS_QUEUE_URL is not set');
  });

  it('refuses a concurrency that is not a positive integer', () => {
    const result = run(bundle, { ...queues, PANOPS_WORKER_CONCURRENCY: 'many' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('PANOPS_WORKER_CONCURRENCY');
  });
});

describe('the transcription worker bundle', () => {
  let context: string;
  beforeAll(() => {
    context = prepareImageContext('transcriptionWorker').directory;
  });

  it('loads the blueprint it carries and exits 0 under --self-check', () => {
    const result = run(join(context, 'dist', IMAGE_BUNDLE_FILE), {
      PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: queues.PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL,
      PANOPS_BLUEPRINT_DIR: join(context, 'dist', 'blueprint'),
    });
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ selfCheck: 'ok', worker: 'transcription-worker' });
    expect(summary.customers).toBeGreaterThan(0);
  });

  it('refuses to start when the blueprint is not where it is told', () => {
    const result = run(join(context, 'dist', IMAGE_BUNDLE_FILE), {
      PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: queues.PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL,
      PANOPS_BLUEPRINT_DIR: join(context, 'no-such-blueprint'),
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('no-such-blueprint');
  });
});
