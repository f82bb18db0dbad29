import { Effect } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProvider, type ReconcileSource } from '../../../src/services/reconcile/listers.js';
import { reconcileDays } from '../../../src/services/reconcile/reconcile.js';
import { type GmailServer, startGmailServer } from '../connectors/gmail/gmail-server.js';
import { type GraphServer, startGraphServer } from '../connectors/m365/graph-server.js';
import { type FakeTwilio, startFakeTwilio } from '../connectors/twilio/fake-twilio.js';
import { startFakeZoom } from '../connectors/zoom/fake-zoom.js';

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const since = new Date('2025-01-06T00:00:00Z');
const until = new Date('2025-01-07T23:59:59Z');
const list = (source: ReconcileSource, token: string) => Effect.runPromise(listProvider(source, token, since, until));
const mail = (n: number) => `Message-ID: <m${n}@acme.example>\r\nSubject: ${n}\r\n\r\nbody ${n}\r\n`;

let gmail: GmailServer;
let graph: GraphServer;
let zoom: Awaited<ReturnType<typeof startFakeZoom>>;
let twilio: FakeTwilio;
beforeAll(async () => {
  [gmail, graph, zoom, twilio] = await Promise.all([
    startGmailServer('gmail-token'),
    startGraphServer('graph-token'),
    startFakeZoom('zoom-token', 'download-token'),
    startFakeTwilio(ACCOUNT, 'twilio-auth'),
  ]);
});
afterAll(() => Promise.all([gmail.close(), graph.close(), zoom.close(), twilio.close()]));

describe('reconcile listers against the local provider APIs', () => {
  it('Gmail: counts per day, spam and trash included (messages.list q after/before, includeSpamTrash)', async () => {
    gmail.add(mail(1));
    gmail.add(mail(2), ['SPAM']);
    const late = gmail.add(mail(3), ['TRASH']);
    const next = gmail.messages.get(late);
    if (next) gmail.messages.set(late, { ...next, internalDate: String(Date.UTC(2025, 0, 7, 12)) });
    gmail.add(mail(4));
    const outside = gmail.add(mail(5));
    const old = gmail.messages.get(outside);
    if (old) gmail.messages.set(outside, { ...old, internalDate: String(Date.UTC(2025, 0, 5, 23, 59)) });

    const days = await list(
      { platform: 'gmail', connectorId: 'mail', tokenEnv: 'X', baseUrl: gmail.baseUrl },
      'gmail-token',
    );
    expect(days).toEqual([
      { platform: 'gmail', connectorId: 'mail', day: '2025-01-06', count: 3 },
      { platform: 'gmail', connectorId: 'mail', day: '2025-01-07', count: 1 },
    ]);
    expect(
      gmail.requests.filter((r) => r.includes('/messages?')).every((r) => r.includes('includeSpamTrash=true')),
    ).toBe(true);
  });

  it('Microsoft 365: counts per day over every page of each folder’s delta, deletions (@removed) not counted', async () => {
    graph.add('AAMkInbox', mail(10));
    graph.add('AAMkInbox', mail(11));
    const gone = graph.add('AAMkDeals', mail(12));
    graph.add('AAMkDeals', mail(13));
    graph.remove('AAMkDeals', gone);
    graph.add('AAMkSent', mail(14)); // a folder the connector does not sync

    const days = await list(
      {
        platform: 'm365',
        connectorId: 'exchange',
        tokenEnv: 'X',
        mailbox: graph.mailbox,
        folders: ['AAMkInbox', 'AAMkDeals'],
        baseUrl: graph.baseUrl,
      },
      'graph-token',
    );
    expect(days).toEqual([{ platform: 'm365', connectorId: 'exchange', day: '2025-01-06', count: 3 }]);

    // The blueprint's scope names only the mailbox: every folder is listed, children included, as the connector syncs.
    const everyFolder = await list(
      { platform: 'm365', connectorId: 'exchange', tokenEnv: 'X', mailbox: graph.mailbox, baseUrl: graph.baseUrl },
      'graph-token',
    );
    expect(everyFolder).toEqual([{ platform: 'm365', connectorId: 'exchange', day: '2025-01-06', count: 4 }]);
  });

  it('Zoom: recording uuids per day of start_time, every page', async () => {
    const meeting = (uuid: string, start: string) => ({
      uuid,
      id: 85_000_000_001,
      host_id: 'H1',
      start_time: start,
      recording_files: [],
    });
    zoom.meetings.push(
      meeting('uuid-a==', '2025-01-06T10:00:00Z'),
      meeting('uuid-b==', '2025-01-06T15:00:00Z'),
      meeting('uuid-c==', '2025-01-07T09:00:00Z'),
      meeting('uuid-old==', '2025-01-04T09:00:00Z'),
    );
    const days = await list(
      { platform: 'zoom', connectorId: 'zoom', tokenEnv: 'X', baseUrl: zoom.apiUrl },
      'zoom-token',
    );
    expect(days).toEqual([
      { platform: 'zoom', connectorId: 'zoom', day: '2025-01-06', ids: ['uuid-a==', 'uuid-b=='], count: 2 },
      { platform: 'zoom', connectorId: 'zoom', day: '2025-01-07', ids: ['uuid-c=='], count: 1 },
    ]);
  });

  it('Twilio: inbound MessageSids and RecordingSids per day, every page, outbound messages left out', async () => {
    twilio.messages.push(
      { sid: 'SM1', direction: 'inbound', date_sent: 'Mon, 06 Jan 2025 10:00:00 +0000' },
      { sid: 'SM2', direction: 'outbound-api', date_sent: 'Mon, 06 Jan 2025 10:01:00 +0000' },
      { sid: 'SM3', direction: 'inbound', date_sent: 'Tue, 07 Jan 2025 08:00:00 +0000' },
      { sid: 'SM0', direction: 'inbound', date_sent: 'Sun, 05 Jan 2025 08:00:00 +0000' },
    );
    twilio.recordings.push({
      sid: 'RE1',
      start_time: 'Mon, 06 Jan 2025 11:00:00 +0000',
      date_created: 'Mon, 06 Jan 2025 11:05:00 +0000',
    });
    const source = {
      platform: 'twilio',
      connectorId: 'sms',
      tokenEnv: 'X',
      accountSid: ACCOUNT,
      baseUrl: twilio.baseUrl,
    } as const;
    const days = await list(source, 'twilio-auth');
    expect(days).toEqual([
      { platform: 'twilio', connectorId: 'sms', day: '2025-01-06', ids: ['SM1', 'RE1'], count: 2 },
      { platform: 'twilio', connectorId: 'sms', day: '2025-01-07', ids: ['SM3'], count: 1 },
    ]);
    // What the archive lacks is named.
    const rows = reconcileDays(days, [{ platform: 'twilio', connectorId: 'sms', day: '2025-01-06', ids: ['SM1'] }]);
    expect(rows.map((r) => [r.day, r.gap, r.missing])).toEqual([
      ['2025-01-06', 1, ['RE1']],
      ['2025-01-07', 1, ['SM3']],
    ]);
    // A wrong auth token is refused as such, not read as an empty listing.
    await expect(list(source, 'wrong')).rejects.toMatchObject({ _tag: 'AuthExpired', platform: 'twilio' });
  });
});
