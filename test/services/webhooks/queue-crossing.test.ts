import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Effect, Layer, ManagedRuntime } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3LargeObjectArchiveLayer } from '../../../src/services/archive/large-object.js';
import { s3ArchiveStoreLayer } from '../../../src/services/archive/s3.js';
import { makeSlackConnector } from '../../../src/services/connectors/slack/connector.js';
import { slackSigning } from '../../../src/services/connectors/slack/signature.js';
import { makeTeamsConnector } from '../../../src/services/connectors/teams/connector.js';
import { makeTwilioConnector } from '../../../src/services/connectors/twilio/connector.js';
import { twilioSignature } from '../../../src/services/connectors/twilio/signature.js';
import { makeZoomConnector } from '../../../src/services/connectors/zoom/connector.js';
import { zoomSigning } from '../../../src/services/connectors/zoom/signature.js';
import type { Connector } from '../../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../../src/services/pipeline/credentials.js';
import { pollOnce } from '../../../src/services/queue/consumer.js';
import { sqsJobQueueLayer } from '../../../src/services/queue/job-queue.js';
import { JobRunner } from '../../../src/services/queue/job-runner.js';
import { memoryTranscriptionJobsLayer, type TranscriptionJob } from '../../../src/services/queue/transcription-jobs.js';
import { sqsConnectorJobSubmitterLayer } from '../../../src/services/webhooks/connector-jobs.js';
import { handleWebhook } from '../../../src/services/webhooks/handler.js';
import { queueingWebhookIntakeLayer } from '../../../src/services/webhooks/intake.js';
import { memoryReplayGuardLayer } from '../../../src/services/webhooks/replay-guard.js';
import type { WebhookRequest } from '../../../src/services/webhooks/request.js';
import { staticWebhookSecretsLayer } from '../../../src/services/webhooks/secrets.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { type Moto, startMoto } from '../../support/moto.js';
import { slackDocsMessageEvent } from '../connectors/slack/docs-payloads.js';
import { type FakeChatMessage, startFakeGraph } from '../connectors/teams/fake-graph.js';
import { fileBytes, startFakeZoom } from '../connectors/zoom/fake-zoom.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../pipeline/support/emulators.js';
import { createCustomer, pipelineLayer, queryAs } from '../pipeline/support/harness.js';

/**
 * Every push platform, end to end across the real queue encoding: the webhook
 * handler with the Lambda's layers writes the job to SQS (moto_server), the
 * worker receives the message body from SQS, decodes it and runs the
 * platform's connector against a local provider API, and ingest stores it.
 * No in-process hand-off: what the Lambda writes is what the worker reads.
 */
const TOKEN = 'provider-token';
const BASE = 'https://hooks.panops.example';
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const ZOOM_SECRET = 'zoom-webhook-secret-token';
const CLIENT_STATE = 'secretClientValue-0123456789';
const TWILIO_ACCOUNT = `AC${'a'.repeat(32)}`;

let moto: Moto;
let s3: S3Emulator;
let db: TestDatabase;
let zoom: Awaited<ReturnType<typeof startFakeZoom>>;
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
let customer: string;
let queueUrl: string;
const transcriptions: TranscriptionJob[] = [];

beforeAll(async () => {
  [moto, s3, db, zoom, graph] = await Promise.all([
    startMoto(),
    startS3(['crossing-archive']),
    openTestDatabase(),
    startFakeZoom(TOKEN, 'zoom-download-token'),
    startFakeGraph(TOKEN),
  ]);
  customer = await createCustomer(db, 'crossing');
  const sqs = new SQSClient(moto.client);
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'panops-connector-jobs' }))).QueueUrl as string;
  sqs.destroy();
}, 120_000);
afterAll(async () => {
  await Promise.all([moto?.close(), s3?.close(), db?.close(), zoom?.close(), graph?.close()]);
});

const s3Client = () => ({
  endpoint: s3.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: emulatorCredentials,
});
const targetFor = (id: string) =>
  id === customer ? { bucket: 'crossing-archive', kmsKeyId: 'alias/crossing' } : undefined;

/** The webhook Lambda's composition (`webhookLambdaLayer`) with local endpoints: S3 archive, SQS submitter. */
const lambdaRuntime = () =>
  ManagedRuntime.make(
    Layer.mergeAll(
      staticWebhookSecretsLayer({
        [`panops/${customer}/slack`]: { signingSecret: SLACK_SECRET, teamId: 'T061EG9R6' },
        [`panops/${customer}/zoom`]: { webhookSecretToken: ZOOM_SECRET, accountId: 'EPeQtiABC000VYxHMA' },
        [`panops/${customer}/teams`]: { clientState: CLIENT_STATE, tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95' },
        [`panops/${customer}/twilio`]: { authToken: TOKEN, accountSid: TWILIO_ACCOUNT },
      }),
      memoryReplayGuardLayer(),
      queueingWebhookIntakeLayer.pipe(
        Layer.provide(s3ArchiveStoreLayer({ targetFor, client: s3Client() })),
        Layer.provide(sqsConnectorJobSubmitterLayer({ queueUrl, client: moto.client })),
      ),
    ),
  );

/** The connector worker's composition: SQS consumer, the four messaging connectors, ingest on the test database. */
const workerRuntime = () => {
  const deps = Layer.mergeAll(
    staticCredentialsLayer(TOKEN),
    memoryTranscriptionJobsLayer(transcriptions),
    s3LargeObjectArchiveLayer({ targetFor, client: s3Client() }),
  );
  const build = (make: Effect.Effect<Connector, never, Layer.Success<typeof deps>>) =>
    Effect.provide(make, deps) as Effect.Effect<Connector>;
  const pipeline = pipelineLayer(db, {
    connectors: [
      build(makeSlackConnector()),
      build(makeTeamsConnector({ baseUrl: graph.baseUrl })),
      build(makeZoomConnector({ baseUrl: zoom.apiUrl })),
      build(makeTwilioConnector()),
    ],
    archive: s3ArchiveStoreLayer({ targetFor, client: s3Client() }),
    transcriptionSink: transcriptions,
  });
  return ManagedRuntime.make(
    Layer.mergeAll(
      JobRunner.fromLayer(pipeline),
      sqsJobQueueLayer({ queueUrl, client: moto.client, waitTimeSeconds: 1, visibilityTimeoutSeconds: 60 }),
    ),
  );
};

const deliver = async (
  request: Omit<WebhookRequest, 'method' | 'url' | 'query'> & { query?: Record<string, string> },
) => {
  const runtime = lambdaRuntime();
  try {
    return await runtime.runPromise(
      handleWebhook({ method: 'POST', url: `${BASE}${request.path}`, query: {}, ...request }),
    );
  } finally {
    await runtime.dispose();
  }
};

/** Receives what the Lambda queued and runs it, as the Fargate worker does; returns each message's disposition. */
const work = async () => {
  const runtime = workerRuntime();
  try {
    return (await runtime.runPromise(pollOnce())).map(([, d]) => d);
  } finally {
    await runtime.dispose();
  }
};

const stored = (platform: string) =>
  queryAs<{ external_id: string; body_text: string; metadata: Record<string, unknown> }>(
    db,
    customer,
    'SELECT external_id, body_text, metadata FROM communications WHERE platform = $1 ORDER BY external_id',
    [platform],
  );

const now = () => String(Math.floor(Date.now() / 1000));

describe('webhook → SQS message body → worker → connector, per platform', () => {
  it('Zoom: recording.completed as the Lambda queues it is processed: files downloaded and the meeting stored', async () => {
    const uuid = 'qOOxCrossing/AAAiAiAiiAii==';
    zoom.files.set('cross-mp4', fileBytes('cross-mp4', 4000));
    zoom.files.set('cross-m4a', fileBytes('cross-m4a', 2000));
    const body = JSON.stringify({
      event: 'recording.completed',
      event_ts: 1626230691572,
      payload: {
        account_id: 'EPeQtiABC000VYxHMA',
        object: {
          uuid,
          id: 6840331990,
          account_id: 'EPeQtiABC000VYxHMA',
          host_id: 'z8yAAAAA8bbbQ',
          host_email: 'host@acme.example',
          topic: 'Quarterly review',
          start_time: '2026-11-19T21:44:51Z',
          duration: 60,
          recording_files: [
            {
              id: 'cross-mp4',
              file_type: 'MP4',
              file_extension: 'MP4',
              file_size: 4000,
              download_url: `${zoom.base}/rec/download/cross-mp4`,
              status: 'completed',
              recording_type: 'shared_screen_with_speaker_view',
            },
            {
              id: 'cross-m4a',
              file_type: 'M4A',
              file_extension: 'M4A',
              file_size: 2000,
              download_url: `${zoom.base}/rec/download/cross-m4a`,
              status: 'completed',
              recording_type: 'audio_only',
            },
          ],
        },
      },
      download_token: 'zoom-download-token',
    });
    const ts = now();
    const answer = await deliver({
      path: `/webhooks/zoom/${customer}/zoom`,
      headers: {
        'content-type': 'application/json',
        'x-zm-request-timestamp': ts,
        'x-zm-signature': zoomSigning.sign(ZOOM_SECRET, ts, body),
      },
      body,
    });
    expect(answer.status).toBe(200);
    expect(await work()).toEqual([{ _tag: 'acknowledge', why: 'stored' }]);
    const [meeting] = await stored('zoom');
    expect(meeting?.external_id).toBe(uuid);
    expect(meeting?.metadata.recordingFiles).toHaveLength(2);
    expect(meeting?.metadata.webhookArchiveKey).toMatch(/^objects\/sha256\//);
    expect(transcriptions.some((t) => t.recordingId === `${uuid}/cross-m4a`)).toBe(true);
  }, 60_000);

  it('Slack: an event_callback as the Lambda queues it is stored as the message', async () => {
    const body = slackDocsMessageEvent();
    const ts = now();
    const answer = await deliver({
      path: `/webhooks/slack/${customer}/slack`,
      headers: {
        'content-type': 'application/json',
        'x-slack-request-timestamp': ts,
        'x-slack-signature': slackSigning.sign(SLACK_SECRET, ts, body),
      },
      body,
    });
    expect(answer.status).toBe(200);
    expect(await work()).toEqual([{ _tag: 'acknowledge', why: 'stored' }]);
    expect((await stored('slack')).map((r) => [r.external_id, r.body_text])).toEqual([
      ['C2147483705:1355517523.000005', 'Hello world'],
    ]);
  }, 60_000);

  it('Teams: a change notification as the Lambda queues it fetches and stores the message', async () => {
    const chatId = '19:2da4c29f6d7041eca70b638b43d45437@thread.v2';
    const message: FakeChatMessage = {
      id: '1616990032035',
      chatId,
      createdDateTime: '2026-11-19T09:00:00.000Z',
      lastModifiedDateTime: '2026-11-19T09:00:00.000Z',
      lastEditedDateTime: null,
      deletedDateTime: null,
      messageType: 'message',
      replyToId: null,
      from: { user: { id: '8b081ef6-4792-4def-b2c9-c363a1bf41d5', displayName: 'Robin Kline' } },
      body: { contentType: 'text', content: 'Booked at 101.25' },
    };
    graph.messages.push(message);
    const body = JSON.stringify({
      value: [
        {
          subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07',
          changeType: 'created',
          resource: `chats('${chatId}')/messages('${message.id}')`,
          clientState: CLIENT_STATE,
          tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
          resourceData: {
            id: message.id,
            '@odata.type': '#Microsoft.Graph.chatMessage',
            '@odata.id': `chats('${chatId}')/messages('${message.id}')`,
          },
        },
      ],
    });
    const answer = await deliver({
      path: `/webhooks/teams/${customer}/teams`,
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(answer.status).toBe(202);
    expect(await work()).toEqual([{ _tag: 'acknowledge', why: 'stored' }]);
    expect((await stored('teams')).map((r) => [r.external_id, r.body_text])).toEqual([
      [`${chatId}:${message.id}`, 'Booked at 101.25'],
    ]);
  }, 60_000);

  it('Twilio: an inbound SMS as the Lambda queues it is stored', async () => {
    const path = `/webhooks/twilio/${customer}/twilio`;
    const params = {
      ToCountry: 'US',
      SmsMessageSid: `SM${'1'.repeat(32)}`,
      NumMedia: '0',
      SmsStatus: 'received',
      Body: 'Can we move the trade to Thursday?',
      To: '+15017122661',
      MessageSid: `SM${'1'.repeat(32)}`,
      AccountSid: TWILIO_ACCOUNT,
      From: '+15558675310',
      ApiVersion: '2010-04-01',
    };
    const answer = await deliver({
      path,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(TOKEN, `${BASE}${path}`, Object.entries(params)),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(answer.status).toBe(200);
    expect(await work()).toEqual([{ _tag: 'acknowledge', why: 'stored' }]);
    expect((await stored('twilio')).map((r) => [r.external_id, r.body_text])).toEqual([
      [params.MessageSid, params.Body],
    ]);
  }, 60_000);
});
