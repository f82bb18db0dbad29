import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { hasLocalDirectoryOverride } from '../../../src/services/directory/local.js';
import { readEnvironment, toWebhookRequest } from '../../../src/services/webhooks/webhook.lambda.js';
import { CUSTOMER } from './support.js';

describe('webhook Lambda entry', () => {
  it('turns an HTTP API event into the request the provider signed (base64 body decoded, URL rebuilt)', () => {
    const request = toWebhookRequest({
      rawPath: `/webhooks/twilio/${CUSTOMER}/twilio-voice`,
      rawQueryString: 'bodySHA256=abc',
      headers: { 'X-Twilio-Signature': 'sig', 'Content-Type': 'application/json' },
      body: Buffer.from('{"a":1}').toString('base64'),
      isBase64Encoded: true,
      requestContext: { domainName: 'abc123.execute-api.eu-west-1.amazonaws.com', http: { method: 'POST' } },
    });
    expect(request).toMatchObject({
      method: 'POST',
      url: `https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/twilio/${CUSTOMER}/twilio-voice?bodySHA256=abc`,
      query: { bodySHA256: 'abc' },
      headers: { 'x-twilio-signature': 'sig', 'content-type': 'application/json' },
      body: '{"a":1}',
    });
  });

  it('refuses to start without its queue, and takes the replay table from the cursor table when not set apart', () => {
    expect(() => readEnvironment({ CURSOR_TABLE_NAME: 't' })).toThrow('CONNECTOR_JOBS_QUEUE_URL');
    const env = readEnvironment({ CURSOR_TABLE_NAME: 't', CONNECTOR_JOBS_QUEUE_URL: 'q' });
    expect(env.replayTable).toBe('t');
  });

  it('starts with only what the shared compute stack sets: archive buckets come from the customer directory', () => {
    const env = readEnvironment({ CURSOR_TABLE_NAME: 't', CONNECTOR_JOBS_QUEUE_URL: 'q' });
    expect(env).toEqual({ replayTable: 't', connectorJobsQueueUrl: 'q' });
    expect(hasLocalDirectoryOverride({ CURSOR_TABLE_NAME: 't', CONNECTOR_JOBS_QUEUE_URL: 'q' })).toBe(false);
    expect(hasLocalDirectoryOverride({ ARCHIVE_TARGETS: '{}' })).toBe(true);
  });

  it('bundles as the shared compute stack bundles it, exporting handler', () => {
    const out = buildSync({
      entryPoints: ['src/services/webhooks/webhook.lambda.ts'],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      write: false,
      metafile: true,
    });
    const exports = Object.values(out.metafile.outputs)[0]?.exports ?? [];
    expect(exports).toContain('handler');
  });
});
