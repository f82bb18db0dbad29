import { describe, expect, it } from 'vitest';
import { slackSigning } from '../../../src/services/connectors/slack/signature.js';
import { twilioSignature } from '../../../src/services/connectors/twilio/signature.js';
import { zoomSigning } from '../../../src/services/connectors/zoom/signature.js';
import { slackDocsMessageEvent } from '../connectors/slack/docs-payloads.js';
import { BASE, CUSTOMER, makeHandler, nowSeconds, OTHER_CUSTOMER } from './support.js';

const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const ZOOM_SECRET = 'zoom-webhook-secret-token';
const TWILIO_TOKEN = '12345';
const TWILIO_ACCOUNT = `AC${'a'.repeat(32)}`;
const CLIENT_STATE = 'secretClientValue-0123456789';
const TENANT = '84bd8158-6d4d-4958-8b9f-9d6445542f95';

const secrets = {
  [`panops/${CUSTOMER}/slack-workspace`]: { signingSecret: SLACK_SECRET, teamId: 'T061EG9R6' },
  [`panops/${CUSTOMER}/zoom-meetings`]: { webhookSecretToken: ZOOM_SECRET, accountId: 'EPeQtiABC000VYxHMA' },
  [`panops/${CUSTOMER}/twilio-voice`]: { authToken: TWILIO_TOKEN, accountSid: TWILIO_ACCOUNT },
  [`panops/${CUSTOMER}/teams`]: { clientState: CLIENT_STATE, tenantId: TENANT },
};

const slackPath = `/webhooks/slack/${CUSTOMER}/slack-workspace`;
const slackEvent = slackDocsMessageEvent;
const slackHeaders = (body: string, ts = nowSeconds(), secret = SLACK_SECRET) => ({
  'content-type': 'application/json',
  'x-slack-request-timestamp': String(ts),
  'x-slack-signature': slackSigning.sign(secret, String(ts), body),
});

const parse = (body: string) => JSON.parse(body) as { error: string; detail: string };

describe('webhook handler: Slack', () => {
  it('stores a signed event once and answers Slack’s retry of it 200 without storing it again', async () => {
    const { intake, send } = makeHandler(secrets);
    const body = slackEvent();
    const first = await send({ path: slackPath, body, headers: slackHeaders(body) });
    expect(first.status).toBe(200);
    const replay = await send({ path: slackPath, body, headers: slackHeaders(body) });
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.body)).toMatchObject({ status: 'already-stored' });
    expect(intake.stored).toHaveLength(1);
    expect(intake.stored[0]?.route.customerId).toBe(CUSTOMER);
  });

  it('answers the url_verification challenge and stores nothing', async () => {
    const { intake, send } = makeHandler(secrets);
    const body = JSON.stringify({
      token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
      type: 'url_verification',
    });
    const response = await send({ path: slackPath, body, headers: slackHeaders(body) });
    expect(response).toMatchObject({ status: 200, body: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect(intake.stored).toHaveLength(0);
  });

  it('refuses stale, tampered and unsigned requests with 401 and stores nothing', async () => {
    const { intake, send } = makeHandler(secrets);
    const body = slackEvent();
    const stale = await send({ path: slackPath, body, headers: slackHeaders(body, nowSeconds() - 301) });
    expect([stale.status, parse(stale.body).error]).toEqual([401, 'stale']);
    const tampered = await send({
      path: slackPath,
      body: body.replace('Hello', 'Goodbye'),
      headers: slackHeaders(body),
    });
    expect([tampered.status, parse(tampered.body).error]).toEqual([401, 'unauthenticated']);
    const unsigned = await send({ path: slackPath, body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    expect(intake.stored).toHaveLength(0);
  });

  it("refuses an event signed by the shared app but from another customer's workspace", async () => {
    const { intake, send } = makeHandler(secrets);
    const body = slackEvent('Ev0PV52K22', 'T0OTHERTEAM');
    const response = await send({ path: slackPath, body, headers: slackHeaders(body) });
    // Answered like any bad signature (the workspace is named in the log only).
    expect([response.status, response.body]).toEqual([401, '{"error":"unauthenticated"}']);
    expect(intake.stored).toHaveLength(0);
  });

  it("refuses Slack's signed slash-command example as malformed: it is not an Events API payload", async () => {
    const { intake, send } = makeHandler(secrets);
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&command=%2Fwebhook-collect&text=';
    const response = await send({ path: slackPath, body, headers: slackHeaders(body) });
    expect([response.status, parse(response.body).error]).toEqual([400, 'malformed']);
    expect(intake.stored).toHaveLength(0);
  });

  it('answers 503 when storage fails and accepts the provider retry of the same event', async () => {
    const { intake, send } = makeHandler(secrets);
    intake.failures = 1;
    const body = slackEvent('Ev0RETRY');
    expect((await send({ path: slackPath, body, headers: slackHeaders(body) })).status).toBe(503);
    expect((await send({ path: slackPath, body, headers: slackHeaders(body) })).status).toBe(200);
    expect(intake.stored).toHaveLength(1);
  });
});

describe('webhook handler: routing', () => {
  it('answers an unknown route, a path that is not a route and a bad signature alike, so a probe learns nothing', async () => {
    const { send } = makeHandler(secrets);
    const body = slackEvent();
    const answers = [
      await send({ path: `/webhooks/slack/${OTHER_CUSTOMER}/slack-workspace`, body, headers: slackHeaders(body) }),
      await send({ path: '/webhooks/slack/not-a-uuid/x', body, headers: slackHeaders(body) }),
      await send({ path: '/webhooks/fax/00000000-0000-0000-0000-000000000000/x', body, headers: slackHeaders(body) }),
      await send({ path: slackPath, body, headers: slackHeaders(body, nowSeconds(), 'not-the-secret') }),
    ];
    for (const answer of answers) expect([answer.status, answer.body]).toEqual([401, '{"error":"unauthenticated"}']);
  });

  it('refuses a Slack or Zoom connector configured without its account id: a signed event of any workspace is not stored', async () => {
    const { intake, send } = makeHandler({
      [`panops/${CUSTOMER}/slack-workspace`]: { signingSecret: SLACK_SECRET },
      [`panops/${CUSTOMER}/zoom-meetings`]: { webhookSecretToken: ZOOM_SECRET },
    });
    const body = slackEvent('Ev0ANYTEAM', 'TANYWORKSPACE');
    const slack = await send({ path: slackPath, body, headers: slackHeaders(body) });
    expect(slack.status).toBeGreaterThanOrEqual(400);
    expect(intake.stored).toHaveLength(0);
  });

  it('claims a signed request once whatever route it arrives on: the copy sent to a second route is not stored', async () => {
    const second = `/webhooks/slack/${CUSTOMER}/slack-second`;
    const { intake, send } = makeHandler({
      ...secrets,
      [`panops/${CUSTOMER}/slack-second`]: { signingSecret: SLACK_SECRET, teamId: 'T061EG9R6' },
    });
    const body = slackEvent('Ev0TWOROUTES');
    expect((await send({ path: slackPath, body, headers: slackHeaders(body) })).status).toBe(200);
    const copy = await send({ path: second, body, headers: slackHeaders(body) });
    expect(JSON.parse(copy.body)).toMatchObject({ status: 'already-stored' });
    expect(intake.stored).toHaveLength(1);
  });

  it('refuses a method other than POST and an oversized body', async () => {
    const { send } = makeHandler(secrets);
    expect((await send({ path: slackPath, body: '', method: 'GET' })).status).toBe(405);
    expect((await send({ path: slackPath, body: 'x'.repeat(1024 * 1024 + 1) })).status).toBe(413);
  });
});

describe('webhook handler: Zoom', () => {
  const path = `/webhooks/zoom/${CUSTOMER}/zoom-meetings`;
  const signed = (body: string, ts = nowSeconds()) => ({
    'content-type': 'application/json',
    'x-zm-request-timestamp': String(ts),
    'x-zm-signature': zoomSigning.sign(ZOOM_SECRET, String(ts), body),
  });
  // The recording.completed example of Zoom's event reference (trimmed to one file).
  const completed = JSON.stringify({
    event: 'recording.completed',
    event_ts: 1626230691572,
    download_token: 'abJhbGciOiJIUzUxMiJ9.eyJpc3MiOiJodHRwczovL2V2ZW50Lnpvb20udXMi',
    payload: {
      account_id: 'EPeQtiABC000VYxHMA',
      object: {
        uuid: '4444AAAiAAAAAiAiAiiAii==',
        id: 123456789,
        host_id: 'z8yAAAAA8bbbQ',
        topic: 'My Personal Meeting Room',
        start_time: '2021-07-13T21:44:51Z',
        duration: 60,
        recording_files: [
          {
            id: 'ed6c2f27-2ae7-42f4-b3d0-835b493e4fa8',
            recording_start: '2021-03-23T22:14:57Z',
            recording_end: '2021-03-23T23:15:41Z',
            file_type: 'MP4',
            file_size: 246560,
            download_url: 'https://example.com/rec/download/Qg75t7xZBtEbAkjdlgbfdngBBBB',
            status: 'completed',
            recording_type: 'shared_screen_with_speaker_view',
          },
        ],
      },
    },
  });

  it('answers a signed endpoint.url_validation with the encrypted token and refuses an unsigned one', async () => {
    const { intake, send } = makeHandler(secrets);
    const body = JSON.stringify({
      payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' },
      event_ts: 1654503849680,
      event: 'endpoint.url_validation',
    });
    const ok = await send({ path, body, headers: signed(body) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const unsigned = await send({ path, body, headers: { 'content-type': 'application/json' } });
    expect(unsigned.status).toBe(401);
    expect(intake.stored).toHaveLength(0);
  });

  it('stores recording.completed once per meeting instance', async () => {
    const { intake, send } = makeHandler(secrets);
    expect((await send({ path, body: completed, headers: signed(completed) })).status).toBe(200);
    expect((await send({ path, body: completed, headers: signed(completed) })).status).toBe(200);
    expect(intake.stored.map((d) => d.event._tag)).toEqual(['ZoomRecordingCompleted']);
  });
});

describe('webhook handler: Twilio', () => {
  const path = `/webhooks/twilio/${CUSTOMER}/twilio-voice`;
  const sms = {
    ToCountry: 'US',
    SmsMessageSid: `SM${'1'.repeat(32)}`,
    NumMedia: '0',
    SmsSid: `SM${'1'.repeat(32)}`,
    SmsStatus: 'received',
    Body: 'Can we move the trade to Thursday?',
    To: '+15017122661',
    NumSegments: '1',
    MessageSid: `SM${'1'.repeat(32)}`,
    AccountSid: TWILIO_ACCOUNT,
    From: '+15558675310',
    ApiVersion: '2010-04-01',
  };
  const signedForm = (params: Record<string, string>) => {
    const body = new URLSearchParams(params).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${BASE}${path}`, Object.entries(params)),
    };
    return { body, headers };
  };

  it('stores an inbound SMS once, deduplicated on its MessageSid', async () => {
    const { intake, send } = makeHandler(secrets);
    const first = await send({ path, ...signedForm(sms) });
    expect(first).toMatchObject({ status: 200, headers: { 'content-type': 'text/xml' } });
    expect((await send({ path, ...signedForm(sms) })).status).toBe(200);
    expect(intake.stored).toHaveLength(1);
  });

  it('stores a completed recording callback and refuses one whose AccountSid is not the customer’s', async () => {
    const { intake, send } = makeHandler(secrets);
    const callback = {
      AccountSid: TWILIO_ACCOUNT,
      CallSid: `CA${'2'.repeat(32)}`,
      RecordingSid: `RE${'3'.repeat(32)}`,
      RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${TWILIO_ACCOUNT}/Recordings/RE${'3'.repeat(32)}`,
      RecordingStatus: 'completed',
      RecordingDuration: '42',
      RecordingChannels: '1',
      RecordingSource: 'RecordVerb',
    };
    expect((await send({ path, ...signedForm(callback) })).status).toBe(200);
    const foreign = { ...callback, AccountSid: `AC${'f'.repeat(32)}`, RecordingSid: `RE${'4'.repeat(32)}` };
    expect((await send({ path, ...signedForm(foreign) })).status).toBe(401);
    expect(intake.stored.map((d) => d.event._tag)).toEqual(['TwilioRecording']);
  });

  it('refuses a form signed for another URL', async () => {
    const { intake, send } = makeHandler(secrets);
    const { body } = signedForm(sms);
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': twilioSignature(TWILIO_TOKEN, `${BASE}/elsewhere`, Object.entries(sms)),
    };
    expect((await send({ path, body, headers })).status).toBe(401);
    expect(intake.stored).toHaveLength(0);
  });
});

describe('webhook handler: Microsoft Graph (Teams)', () => {
  const path = `/webhooks/teams/${CUSTOMER}/teams`;
  const notification = (id: string, clientState = CLIENT_STATE) => ({
    subscriptionId: '7f105c7d-2dc5-4530-97cd-4e7ae6534c07',
    changeType: 'created',
    resource: `chats('19:abc@unq.gbl.spaces')/messages('${id}')`,
    clientState,
    tenantId: TENANT,
  });

  it('echoes the validationToken as text/plain', async () => {
    const { intake, send } = makeHandler(secrets);
    const response = await send({
      path,
      body: '',
      query: { validationToken: 'Validation: Testing client application reachability' },
    });
    expect(response).toMatchObject({ status: 200, body: 'Validation: Testing client application reachability' });
    expect(intake.stored).toHaveLength(0);
  });

  it('refuses a batch in which one notification does not name the customer’s tenant (missing tenantId)', async () => {
    const { intake, send } = makeHandler(secrets);
    const { tenantId: _omitted, ...anonymous } = notification('9');
    const body = JSON.stringify({ value: [notification('8'), anonymous] });
    const response = await send({ path, body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(401);
    expect(intake.stored).toHaveLength(0);
  });

  it('accepts notifications with our clientState (202), and delivers only the new ones of a partly replayed batch', async () => {
    const { intake, send } = makeHandler(secrets);
    const tagged = (id: string, etag: string) => ({
      ...notification(id),
      resourceData: { id, '@odata.type': '#Microsoft.Graph.chatMessage', '@odata.etag': etag },
    });
    const first = JSON.stringify({ value: [tagged('1', 'W/"1"')] });
    expect((await send({ path, body: first, headers: { 'content-type': 'application/json' } })).status).toBe(202);
    const mixed = JSON.stringify({ value: [tagged('1', 'W/"1"'), tagged('2', 'W/"1"')] });
    expect((await send({ path, body: mixed, headers: { 'content-type': 'application/json' } })).status).toBe(202);
    expect((await send({ path, body: first, headers: { 'content-type': 'application/json' } })).status).toBe(202);
    const resources = intake.stored.map((d) =>
      d.event._tag === 'TeamsNotifications' ? d.event.notifications.map((n) => n.resource) : [],
    );
    expect(resources).toEqual([[notification('1').resource], [notification('2').resource]]);
  });

  it('accepts two edits of one chat message (no etag: identical notifications), so neither edit is lost', async () => {
    const { intake, send } = makeHandler(secrets);
    // Graph's chatMessage notification without resource data: id, @odata.type and @odata.id only.
    const edit = JSON.stringify({ value: [{ ...notification('1616990032035'), changeType: 'updated' }] });
    const headers = { 'content-type': 'application/json' };
    expect((await send({ path, body: edit, headers })).status).toBe(202);
    expect((await send({ path, body: edit, headers })).status).toBe(202);
    expect(intake.stored).toHaveLength(2);
  });

  it('tells rich notifications of two versions apart by their encrypted content, and stores a retry once', async () => {
    const { intake, send } = makeHandler(secrets);
    const rich = (data: string) =>
      JSON.stringify({
        value: [
          {
            ...notification('1616990032035'),
            changeType: 'updated',
            encryptedContent: { data, dataKey: 'k', dataSignature: 's', encryptionCertificateId: 'c' },
          },
        ],
      });
    const headers = { 'content-type': 'application/json' };
    expect((await send({ path, body: rich('v1'), headers })).status).toBe(202);
    expect((await send({ path, body: rich('v2'), headers })).status).toBe(202);
    expect((await send({ path, body: rich('v2'), headers })).status).toBe(202);
    expect(intake.stored).toHaveLength(2);
  });

  it('refuses a notification with a guessed clientState', async () => {
    const { intake, send } = makeHandler(secrets);
    const body = JSON.stringify({ value: [notification('9', 'guessed-client-state')] });
    expect((await send({ path, body, headers: { 'content-type': 'application/json' } })).status).toBe(401);
    expect(intake.stored).toHaveLength(0);
  });
});
