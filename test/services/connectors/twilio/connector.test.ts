import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Effect, Layer, ManagedRuntime, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3LargeObjectArchiveLayer } from '../../../../src/services/archive/large-object.js';
import { s3ArchiveStoreLayer } from '../../../../src/services/archive/s3.js';
import { makeTwilioConnector } from '../../../../src/services/connectors/twilio/connector.js';
import { twilioSignature } from '../../../../src/services/connectors/twilio/signature.js';
import type { Connector } from '../../../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import {
  memoryTranscriptionJobsLayer,
  type TranscriptionJob,
} from '../../../../src/services/queue/transcription-jobs.js';
import { memoryConnectorJobSubmitterLayer } from '../../../../src/services/webhooks/connector-jobs.js';
import { handleWebhook } from '../../../../src/services/webhooks/handler.js';
import { queueingWebhookIntakeLayer } from '../../../../src/services/webhooks/intake.js';
import { memoryReplayGuardLayer } from '../../../../src/services/webhooks/replay-guard.js';
import { staticWebhookSecretsLayer } from '../../../../src/services/webhooks/secrets.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../../pipeline/support/emulators.js';
import { fileBytes } from '../zoom/fake-zoom.js';

const CUSTOMER = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
const ACCOUNT = `AC${'a'.repeat(32)}`;
const AUTH_TOKEN = 'twilio-auth-token';
const RECORDING = `RE${'3'.repeat(32)}`;
const PATH = `/webhooks/twilio/${CUSTOMER}/twilio-voice`;
const PUBLIC = 'https://hooks.panops.example';

let s3: S3Emulator;
let api: {
  base: string;
  requests: Array<{ path: string; authorization?: string }>;
  notYet: number;
  close: () => Promise<void>;
};
let runtime: ManagedRuntime.ManagedRuntime<Layer.Success<ReturnType<typeof services>>, never>;
let connector: Connector;
const jobs: ConnectorJob[] = [];
const transcriptions: TranscriptionJob[] = [];
const audio = fileBytes(RECORDING, 700_000);
/** MMS media by Media SID, and the SIDs whose Media resource answers 500. */
const media = new Map<string, { content: Buffer; contentType: string }>();
const mediaFailures = new Set<string>();

/** Twilio's REST API serving a recording's media (`.wav`), behind HTTP basic auth; 404 while "not yet available". */
const startFakeTwilio = async () => {
  const state = {
    base: '',
    requests: [] as Array<{ path: string; authorization?: string }>,
    notYet: 0,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    state.requests.push({
      path: req.url ?? '',
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const expected = `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`;
    // MMS media: served from Twilio's CDN after a redirect from the Media resource (the CDN URL needs no auth).
    const cdn = /^\/cdn\/(ME[0-9a-f]{32})$/.exec(req.url ?? '');
    if (cdn) {
      const item = media.get(cdn[1] ?? '');
      res.writeHead(item ? 200 : 404, { 'content-type': item?.contentType ?? 'text/plain' });
      res.end(item?.content ?? 'not found');
      return;
    }
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20003, message: 'Authenticate', status: 401 }));
    } else if (/\/Messages\/MM[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/.test(req.url ?? '')) {
      const sid = (req.url ?? '').split('/').pop() ?? '';
      if (mediaFailures.has(sid)) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ code: 20500, message: 'Internal Server Error', status: 500 }));
      } else {
        res.writeHead(307, { location: `${state.base}/cdn/${sid}` });
        res.end();
      }
    } else if (req.url !== `/2010-04-01/Accounts/${ACCOUNT}/Recordings/${RECORDING}.wav` || state.notYet-- > 0) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 20404, message: 'The requested resource was not found', status: 404 }));
    } else {
      res.writeHead(200, { 'content-type': 'audio/x-wav', 'content-length': String(audio.length) });
      res.end(audio);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
};

/** Everything the webhook Lambda and the connector worker use, with S3 on s3rver and queues in memory. */
const services = (endpoint: string) => {
  const client = { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: emulatorCredentials };
  const targetFor = (id: string) =>
    id === CUSTOMER ? { bucket: 'borealis-archive', kmsKeyId: 'alias/borealis' } : undefined;
  return Layer.mergeAll(
    staticWebhookSecretsLayer({ [`panops/${CUSTOMER}/twilio-voice`]: { authToken: AUTH_TOKEN, accountSid: ACCOUNT } }),
    memoryReplayGuardLayer(),
    queueingWebhookIntakeLayer.pipe(
      Layer.provide(s3ArchiveStoreLayer({ targetFor, client })),
      Layer.provide(memoryConnectorJobSubmitterLayer(jobs)),
    ),
    staticCredentialsLayer(AUTH_TOKEN),
    memoryTranscriptionJobsLayer(transcriptions),
    s3LargeObjectArchiveLayer({ targetFor, client }),
  );
};

beforeAll(async () => {
  s3 = await startS3(['borealis-archive']);
  api = await startFakeTwilio();
  runtime = ManagedRuntime.make(services(s3.endpoint));
  connector = await runtime.runPromise(makeTwilioConnector());
}, 30_000);
afterAll(async () => {
  await runtime.dispose();
  await api.close();
  await s3.close();
});

const post = (params: Record<string, string>) =>
  runtime.runPromise(
    handleWebhook({
      method: 'POST',
      path: PATH,
      url: `${PUBLIC}${PATH}`,
      query: {},
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${PUBLIC}${PATH}`, Object.entries(params)),
      },
      body: new URLSearchParams(params).toString(),
    }),
  );

const run = (job: ConnectorJob) =>
  Effect.runPromise(
    Effect.result(
      Effect.flatMap(connector.scopes(job), ([scope]) => connector.fetchPage(job, scope as string, Option.none())),
    ),
  );

describe('Twilio: webhook → queued job → download → archive → transcription', () => {
  it('stores an inbound SMS from the queued webhook job, keyed on its MessageSid', async () => {
    const sms = {
      MessageSid: `SM${'1'.repeat(32)}`,
      AccountSid: ACCOUNT,
      From: '+15558675310',
      To: '+15017122661',
      Body: 'Confirm 500 shares',
      NumMedia: '0',
    };
    expect((await post(sms)).status).toBe(200);
    const job = jobs.at(-1) as ConnectorJob;
    expect(job).toMatchObject({ platform: 'twilio', kind: 'webhook', customerId: CUSTOMER });
    const page = await run(job);
    expect(page._tag === 'Success' && page.success.items[0]?.communication).toMatchObject({
      channel: 'sms',
      externalId: sms.MessageSid,
      bodyText: 'Confirm 500 shares',
    });
  });

  it('downloads a completed recording with basic auth, retrying the moment Twilio still answers 404, and queues its transcription once', async () => {
    const callback = {
      AccountSid: ACCOUNT,
      CallSid: `CA${'2'.repeat(32)}`,
      RecordingSid: RECORDING,
      RecordingUrl: `${api.base}/2010-04-01/Accounts/${ACCOUNT}/Recordings/${RECORDING}`,
      RecordingStatus: 'completed',
      RecordingDuration: '42',
      RecordingChannels: '2',
      RecordingStartTime: 'Mon, 16 Nov 2026 09:30:00 +0000',
    };
    expect((await post(callback)).status).toBe(200);
    const queued = jobs.length;
    // Twilio's retry of the same callback: acknowledged (200) so Twilio stops, and not queued again.
    expect((await post(callback)).status).toBe(200);
    expect(jobs.length).toBe(queued);
    const job = jobs.at(-1) as ConnectorJob;
    api.notYet = 1;
    const early = await run(job);
    expect(early._tag === 'Failure' && early.failure).toMatchObject({ _tag: 'Transient', status: 404 });
    const done = await run(job);
    const files =
      done._tag === 'Success'
        ? (done.success.items[0]?.communication.metadata.recordingFiles as Array<{ size: number }>)
        : [];
    expect(files[0]?.size).toBe(audio.length);
    expect(done._tag === 'Success' && done.success.items[0]?.communication).toMatchObject({
      channel: 'call',
      externalId: RECORDING,
      threadId: callback.CallSid,
    });
    // The same job delivered again (SQS at-least-once): nothing downloaded, nothing queued twice.
    const downloads = api.requests.length;
    await run(job);
    expect(api.requests.length).toBe(downloads);
    expect(transcriptions.filter((t) => t.recordingId === RECORDING)).toHaveLength(1);
  });

  it('fetches each MMS media item (MediaUrlN, MediaContentTypeN) with basic auth and attaches its bytes', async () => {
    const mms = `MM${'4'.repeat(32)}`;
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffdb', 'hex');
    const pdf = Buffer.from('%PDF-1.4 confirmation');
    const [me0, me1] = [`ME${'5'.repeat(32)}`, `ME${'6'.repeat(32)}`];
    media.set(me0, { content: jpeg, contentType: 'image/jpeg' });
    media.set(me1, { content: pdf, contentType: 'application/pdf' });
    const mediaUrl = (sid: string) => `${api.base}/2010-04-01/Accounts/${ACCOUNT}/Messages/${mms}/Media/${sid}`;
    // The inbound webhook's parameters as Twilio documents them for an MMS.
    const params = {
      ToCountry: 'US',
      MediaContentType0: 'image/jpeg',
      MediaContentType1: 'application/pdf',
      SmsMessageSid: mms,
      NumMedia: '2',
      SmsSid: mms,
      SmsStatus: 'received',
      Body: 'signed confirmation attached',
      To: '+15017122661',
      NumSegments: '1',
      MessageSid: mms,
      AccountSid: ACCOUNT,
      From: '+15558675310',
      MediaUrl0: mediaUrl(me0),
      MediaUrl1: mediaUrl(me1),
      ApiVersion: '2010-04-01',
    };
    expect((await post(params)).status).toBe(200);
    const page = await run(jobs.at(-1) as ConnectorJob);
    const item = page._tag === 'Success' ? page.success.items[0] : undefined;
    expect(item?.communication.attachments.map((a) => [a.filename, a.contentType, Buffer.from(a.content)])).toEqual([
      [me0, 'image/jpeg', jpeg],
      [me1, 'application/pdf', pdf],
    ]);
    const fetched = api.requests.filter((r) => r.path.includes(`/Messages/${mms}/Media/`));
    expect(fetched.map((r) => r.authorization)).toEqual([
      `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`,
      `Basic ${Buffer.from(`${ACCOUNT}:${AUTH_TOKEN}`).toString('base64')}`,
    ]);
  });

  it('fails the MMS job when a media item cannot be fetched or its URL is missing: never stored without it', async () => {
    const mms = `MM${'7'.repeat(32)}`;
    const failing = `ME${'8'.repeat(32)}`;
    mediaFailures.add(failing);
    const base = { MessageSid: mms, AccountSid: ACCOUNT, From: '+15558675310', To: '+15017122661', Body: '' };
    expect(
      (
        await post({
          ...base,
          NumMedia: '1',
          MediaContentType0: 'image/png',
          MediaUrl0: `${api.base}/2010-04-01/Accounts/${ACCOUNT}/Messages/${mms}/Media/${failing}`,
        })
      ).status,
    ).toBe(200);
    const down = await run(jobs.at(-1) as ConnectorJob);
    expect(down._tag === 'Failure' && down.failure).toMatchObject({ _tag: 'Transient', status: 500 });
    const missing = await run({
      ...(jobs.at(-1) as ConnectorJob),
      params: {
        event: {
          _tag: 'TwilioMessage',
          params: { ...base, MessageSid: `MM${'9'.repeat(32)}`, NumMedia: '1' },
          all: { ...base, MessageSid: `MM${'9'.repeat(32)}`, NumMedia: '1' },
        },
      },
    });
    expect(missing._tag === 'Failure' && missing.failure).toMatchObject({ _tag: 'Transient' });
  });
});
