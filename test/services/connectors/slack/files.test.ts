import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Exit, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArchiveStoreLayer } from '../../../../src/services/archive/local.js';
import { makeSlackConnector } from '../../../../src/services/connectors/slack/connector.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { runJob } from '../../../../src/services/pipeline/runner.js';
import { openTestDatabase, type TestDatabase } from '../../../support/database.js';
import { createCustomer, pipelineRuntime, queryAs } from '../../pipeline/support/harness.js';
import { startFakeSlack } from './fake-slack.js';

/**
 * Slack `files`: each file a message shares is downloaded with the bot token
 * and archived with the message (content hash, write-once), linked to its row;
 * a file Slack documents as contentless is recorded with the reason; a failed
 * download fails the page, never drops the file.
 */
const TOKEN = 'xoxb-files-token';
let slack: Awaited<ReturnType<typeof startFakeSlack>>;
let db: TestDatabase;

beforeAll(async () => {
  [slack, db] = await Promise.all([startFakeSlack(TOKEN), openTestDatabase()]);
}, 120_000);
afterAll(async () => {
  await Promise.all([slack?.close(), db?.close()]);
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const GIF = Buffer.from(
  'GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,',
  'latin1',
);

const job = (
  customerId: string,
  params: Record<string, unknown>,
  kind: ConnectorJob['kind'] = 'poll',
): ConnectorJob => ({
  version: 1,
  jobId: `job-${Math.random().toString(36).slice(2)}`,
  customerId,
  connectorId: 'slack-workspace',
  platform: 'slack',
  kind,
  requestedAt: '2026-11-20T00:00:00Z',
  params,
});

const connector = (token = TOKEN) =>
  makeSlackConnector({ baseUrl: slack.baseUrl, minRequestIntervalMs: 0, settleSeconds: 0, teamId: 'T061EG9R6' }).pipe(
    Effect.provide(staticCredentialsLayer(token)),
  );

const fetchOne = (channel: string, token = TOKEN) =>
  Effect.runPromiseExit(
    Effect.flatMap(connector(token), (c) => c.fetchPage(job('c', { channels: [channel] }), channel, Option.none())),
  );

/** A file_share message as the Events API documents it (https://docs.slack.dev/reference/events/message/file_share). */
const fileShare = (channel: string, ts: string, files: unknown[]) => ({
  type: 'message',
  subtype: 'file_share',
  text: 'the signed term sheet',
  user: 'U061F7AUR',
  ts,
  channel,
  files,
  upload: false,
  display_as_bot: false,
});

describe('Slack files archived with their message', () => {
  it('downloads a hosted file with the bot token and records a deleted one with its reason', async () => {
    const gif = slack.hostFile('F0S43PZDF', 'tedair.gif', 'image/gif', GIF);
    const tombstone = { id: 'F0TOMB001', mode: 'tombstone' };
    slack.channels.set('C-FILES', [
      { type: 'message', user: 'U061F7AUR', text: 'see attached', ts: '1700000001.000100', files: [gif, tombstone] },
    ]);
    const exit = await fetchOne('C-FILES');
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    const [item] = exit.value.items;
    expect(item?.communication.attachments).toHaveLength(1);
    expect(item?.communication.attachments[0]).toMatchObject({
      filename: 'tedair.gif',
      contentType: 'image/gif',
      size: GIF.length,
      sha256: sha256(GIF),
    });
    expect(Buffer.from(item?.communication.attachments[0]?.content ?? [])).toEqual(GIF);
    expect(item?.communication.metadata.fileRecords).toEqual([
      { id: 'F0S43PZDF', archived: true, name: 'tedair.gif', sha256: sha256(GIF), size: GIF.length, ordinal: 0 },
      { id: 'F0TOMB001', archived: false, reason: expect.stringContaining('tombstone') },
    ]);
    const download = slack.requests.find((u) => u.pathname.includes('/download/tedair.gif'));
    expect(download).toBeDefined();
  });

  it('resolves a Slack Connect file (file_access: check_file_info) through files.info before downloading it', async () => {
    slack.hostFile('F123ABC456', 'minutes.pdf', 'application/pdf', Buffer.from('%PDF-1.4 minutes'));
    slack.channels.set('C-CONNECT', [
      {
        type: 'message',
        user: 'U061F7AUR',
        text: '',
        ts: '1700000002.000100',
        files: [
          { id: 'F123ABC456', mode: 'file_access', file_access: 'check_file_info', created: 0, timestamp: 0, user: '' },
        ],
      },
    ]);
    const exit = await fetchOne('C-CONNECT');
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.items[0]?.communication.attachments.map((a) => a.filename)).toEqual(['minutes.pdf']);
    expect(
      slack.requests.some((u) => u.pathname === '/api/files.info' && u.searchParams.get('file') === 'F123ABC456'),
    ).toBe(true);
  });

  it('fails the page when a download fails (Transient on 5xx, on a short body), never storing the message without it', async () => {
    const pdf = slack.hostFile('F0FAIL001', 'report.pdf', 'application/pdf', Buffer.from('%PDF-1.4 report'));
    slack.channels.set('C-FAIL', [
      { type: 'message', user: 'U1', text: 'report', ts: '1700000003.000100', files: [pdf] },
    ]);
    slack.downloadFaults.push(503);
    const down = await fetchOne('C-FAIL');
    expect(Exit.isFailure(down) && JSON.stringify(down.cause)).toContain('Transient');

    slack.channels.set('C-SHORT', [
      { type: 'message', user: 'U1', text: 'report', ts: '1700000003.000200', files: [{ ...pdf, size: 10_000 }] },
    ]);
    const short = await fetchOne('C-SHORT');
    expect(Exit.isFailure(short) && JSON.stringify(short.cause)).toContain('declared 10000');
  });

  it('refuses Slack’s sign-in page (200 text/html) as the file: AuthExpired, the connector needs files:read', async () => {
    const pdf = slack.hostFile('F0AUTH001', 'memo.pdf', 'application/pdf', Buffer.from('%PDF-1.4 memo'));
    const payload = {
      type: 'event_callback',
      team_id: 'T061EG9R6',
      event_id: 'Ev0FILES1',
      event_time: 1700000004,
      event: fileShare('C-AUTH', '1700000004.000100', [pdf]),
    };
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(connector('xoxb-without-files-read'), (c) =>
        c.fetchPage(job('c', { event: { _tag: 'SlackEvent', payload } }, 'webhook'), 'webhook', Option.none()),
      ),
    );
    expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain('AuthExpired');
  });

  it('a pushed file_share lands in the archive: the file under its hash, an attachments row linked to the message', async () => {
    const customerId = await createCustomer(db, 'slack-files');
    const archiveDir = mkdtempSync(join(tmpdir(), 'slack-files-'));
    const csv = Buffer.from('trade_id,qty,price\n1,5000000,101.25\n');
    const file = slack.hostFile('F0CSV0001', 'fills.csv', 'text/csv', csv);
    const payload = {
      type: 'event_callback',
      team_id: 'T061EG9R6',
      event_id: 'Ev0FILES2',
      event_time: 1700000005,
      event: fileShare('C-PUSH', '1700000005.000100', [file]),
    };
    const runtime = pipelineRuntime(db, {
      connectors: [connector()],
      archive: localArchiveStoreLayer(archiveDir),
    });
    try {
      const exit = await runtime.runPromiseExit(
        runJob(job(customerId, { event: { _tag: 'SlackEvent', payload } }, 'webhook')),
      );
      expect(Exit.isSuccess(exit)).toBe(true);
    } finally {
      await runtime.dispose();
    }
    const rows = await queryAs<{ external_id: string; filename: string; sha256: string; object_key: string }>(
      db,
      customerId,
      `SELECT c.external_id, a.filename, a.sha256, a.object_key
         FROM attachments a JOIN communications c ON c.customer_id = a.customer_id AND c.id = a.communication_id`,
    );
    expect(rows).toEqual([
      {
        external_id: 'C-PUSH:1700000005.000100',
        filename: 'fills.csv',
        sha256: sha256(csv),
        object_key: `objects/sha256/${sha256(csv).slice(0, 2)}/${sha256(csv)}`,
      },
    ]);
    expect(readFileSync(join(archiveDir, customerId, rows[0]?.object_key ?? ''))).toEqual(csv);
  });
});
