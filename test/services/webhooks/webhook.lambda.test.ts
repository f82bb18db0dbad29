import { Option } from 'effect';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { RUNTIME_ENV } from '../../../src/contracts/runtime-env.js';
import { localDirectoryOverride } from '../../../src/services/directory/local.js';
import { toWebhookRequest, webhookLambdaConfig } from '../../../src/services/webhooks/webhook.lambda.js';
import { configErrorOf, readConfig } from '../../support/config.js';
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

  const deployed = { PANOPS_CURSOR_TABLE_NAME: 't', PANOPS_CONNECTOR_JOBS_QUEUE_URL: 'q' };

  it('refuses to start without its queue, naming it, and keeps its replay claims in the cursor table', () => {
    expect(configErrorOf(webhookLambdaConfig, { PANOPS_CURSOR_TABLE_NAME: 't' })).toContain(
      'PANOPS_CONNECTOR_JOBS_QUEUE_URL',
    );
    expect(configErrorOf(webhookLambdaConfig, { PANOPS_CONNECTOR_JOBS_QUEUE_URL: 'q' })).toContain(
      'PANOPS_CURSOR_TABLE_NAME',
    );
    expect(readConfig(webhookLambdaConfig, deployed).replayTable).toBe('t');
  });

  it('starts with only what the shared compute stack sets: archive buckets come from the customer directory', () => {
    expect(readConfig(webhookLambdaConfig, deployed)).toEqual({ replayTable: 't', connectorJobsQueueUrl: 'q' });
    expect(readConfig(localDirectoryOverride, deployed)).toEqual(Option.none());
    expect(Option.isSome(readConfig(localDirectoryOverride, { ARCHIVE_TARGETS: '{}' }))).toBe(true);
  });

  it('reads the variable names the shared compute stack sets (the runtime contract)', () => {
    expect(
      readConfig(webhookLambdaConfig, {
        [RUNTIME_ENV.cursorTableName]: 'cursors',
        [RUNTIME_ENV.connectorJobsQueueUrl]: 'jobs',
      }),
    ).toEqual({ replayTable: 'cursors', connectorJobsQueueUrl: 'jobs' });
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
