import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Exit, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArchiveStoreLayer } from '../../../../src/services/archive/local.js';
import { makeTeamsConnector } from '../../../../src/services/connectors/teams/connector.js';
import { encodeSharingUrl } from '../../../../src/services/connectors/teams/content.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { runJob } from '../../../../src/services/pipeline/runner.js';
import { openTestDatabase, type TestDatabase } from '../../../support/database.js';
import { createCustomer, pipelineRuntime, queryAs } from '../../pipeline/support/harness.js';
import { type FakeChatMessage, startFakeGraph } from './fake-graph.js';

/**
 * Teams hosted contents (inline images) and file attachments (`reference`)
 * archived with the message; a file Graph will not give the app is recorded
 * as a link with the reason; any other failure fails the page.
 */
const TOKEN = 'graph-content-token';
const USER = '8b081ef6-4792-4def-b2c9-c363a1bf41d5';
const CHAT = '19:2da4c29f6d7041eca70b638b43d45437@thread.v2';
// The hosted content id of Graph's documented example (chatmessagehostedcontent-get).
const HOSTED_ID =
  'aWQ9eF8wLXd1cy1kOS1lNTRmNjM1NWYxYmJkNGQ3ZTNmNGJhZmU4NTI5MTBmNix0eXBlPTEsdXJsPWh0dHBzOi8vdXMtYXBpLmFzbS5za3lwZS5jb20vdjEvb2JqZWN0cy8wLXd1cy1kOS1lNTRmNjM1NWYxYmJkNGQ3ZTNmNGJhZmU4NTI5MTBmNi92aWV3cy9pbWdv';
const CSV_URL = 'https://m365x987948.sharepoint.com/sites/test/Shared%20Documents/General/test%20csv.csv';
const OTHER_TENANT_URL = 'https://fabrikam.sharepoint.com/sites/deals/Shared%20Documents/term%20sheet.docx';
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
const CSV = Buffer.from('trade,qty\n1,500\n');

let graph: Awaited<ReturnType<typeof startFakeGraph>>;
let db: TestDatabase;
beforeAll(async () => {
  [graph, db] = await Promise.all([startFakeGraph(TOKEN), openTestDatabase()]);
  graph.hostedContents.set(HOSTED_ID, { content: PNG, contentType: 'image/png' });
  graph.driveFiles.set(CSV_URL, { content: CSV, contentType: 'text/csv' });
  graph.deniedShares.add(OTHER_TENANT_URL);
}, 120_000);
afterAll(async () => {
  await Promise.all([graph?.close(), db?.close()]);
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A chat message as Graph documents one with an inline image and file attachments. */
const messageWithContent = (id: string, at: string, overrides: Partial<FakeChatMessage> = {}): FakeChatMessage => ({
  id,
  chatId: CHAT,
  createdDateTime: at,
  lastModifiedDateTime: at,
  lastEditedDateTime: null,
  deletedDateTime: null,
  messageType: 'message',
  replyToId: null,
  from: { user: { id: USER, displayName: 'Robin Kline' } },
  body: {
    contentType: 'html',
    content: `<div><div>\n<div><span><img height="145" src="https://graph.microsoft.com/v1.0/chats/${CHAT}/messages/${id}/hostedContents/${HOSTED_ID}/$value" width="131" style="vertical-align:bottom; width:131px; height:145px"></span>\n\n</div>\n\n\n</div>\n</div><attachment id="5e32f195-168a-474f-a273-123123123"></attachment><attachment id="7b1e0c5d-0000-4f5e-9d3c-abcabcabc"></attachment>`,
  },
  attachments: [
    {
      id: '5e32f195-168a-474f-a273-123123123',
      contentType: 'reference',
      contentUrl: CSV_URL,
      content: null,
      name: 'test csv.csv',
      thumbnailUrl: null,
    },
    {
      id: '7b1e0c5d-0000-4f5e-9d3c-abcabcabc',
      contentType: 'reference',
      contentUrl: OTHER_TENANT_URL,
      content: null,
      name: 'term sheet.docx',
      thumbnailUrl: null,
    },
  ],
  ...overrides,
});

const job = (customerId: string, params: Record<string, unknown>): ConnectorJob => ({
  version: 1,
  jobId: `teams-${Math.random().toString(36).slice(2)}`,
  customerId,
  connectorId: 'teams',
  platform: 'teams',
  kind: 'poll',
  requestedAt: '2026-11-20T00:00:00Z',
  params,
});

const connector = () =>
  makeTeamsConnector({ baseUrl: graph.baseUrl, top: 10 }).pipe(Effect.provide(staticCredentialsLayer(TOKEN)));

describe('Teams hosted contents and file attachments', () => {
  it('encodes a sharing URL as the shares API documents (u! + unpadded base64url)', () => {
    expect(encodeSharingUrl('https://onedrive.live.com/redir?resid=1231244193912!12&authKey=1201919!12921!1')).toBe(
      'u!aHR0cHM6Ly9vbmVkcml2ZS5saXZlLmNvbS9yZWRpcj9yZXNpZD0xMjMxMjQ0MTkzOTEyITEyJmF1dGhLZXk9MTIwMTkxOSExMjkyMSEx',
    );
  });

  it('fetches the inline image and the readable file, records the unreachable one as a link with the reason', async () => {
    graph.messages.splice(0, graph.messages.length, messageWithContent('1615971548136', '2026-11-02T09:00:00.000Z'));
    const page = await Effect.runPromise(
      Effect.flatMap(connector(), (c) => c.fetchPage(job('c', { users: [USER] }), `user:${USER}`, Option.none())),
    );
    const item = page.items[0];
    expect(item?.communication.attachments.map((a) => [a.filename, a.contentType, a.sha256])).toEqual([
      [undefined, 'image/png', sha256(PNG)],
      ['test csv.csv', 'text/csv', sha256(CSV)],
    ]);
    expect(item?.communication.metadata.fileRecords).toEqual([
      { id: HOSTED_ID, archived: true, kind: 'hostedContent', sha256: sha256(PNG), size: PNG.length, ordinal: 0 },
      {
        id: '5e32f195-168a-474f-a273-123123123',
        archived: true,
        name: 'test csv.csv',
        sha256: sha256(CSV),
        size: CSV.length,
        ordinal: 1,
      },
      {
        id: '7b1e0c5d-0000-4f5e-9d3c-abcabcabc',
        archived: false,
        name: 'term sheet.docx',
        link: OTHER_TENANT_URL,
        reason: expect.stringContaining('403'),
      },
    ]);
    // The hosted content was fetched from the chat message's own path, with the token.
    expect(
      graph.requests.some((u) => u.pathname.endsWith(`/messages/1615971548136/hostedContents/${HOSTED_ID}/$value`)),
    ).toBe(true);
  });

  it('fails the page when a hosted content cannot be fetched: the message is never stored without it', async () => {
    graph.messages.splice(
      0,
      graph.messages.length,
      messageWithContent('1615971548999', '2026-11-02T09:05:00.000Z', {
        body: {
          contentType: 'html',
          content: `<img src="https://graph.microsoft.com/v1.0/chats/${CHAT}/messages/1615971548999/hostedContents/bWlzc2luZw==/$value">`,
        },
        attachments: [],
      }),
    );
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(connector(), (c) => c.fetchPage(job('c', { users: [USER] }), `user:${USER}`, Option.none())),
    );
    expect(Exit.isFailure(exit)).toBe(true);
  });

  it('lands in the archive: image and file under their hashes, attachment rows linked to the message', async () => {
    graph.messages.splice(0, graph.messages.length, messageWithContent('1615971549000', '2026-11-02T09:10:00.000Z'));
    const customerId = await createCustomer(db, 'teams-content');
    const archiveDir = mkdtempSync(join(tmpdir(), 'teams-content-'));
    const runtime = pipelineRuntime(db, { connectors: [connector()], archive: localArchiveStoreLayer(archiveDir) });
    try {
      expect(Exit.isSuccess(await runtime.runPromiseExit(runJob(job(customerId, { users: [USER] }))))).toBe(true);
    } finally {
      await runtime.dispose();
    }
    const rows = await queryAs<{ external_id: string; ordinal: number; sha256: string; object_key: string }>(
      db,
      customerId,
      `SELECT c.external_id, a.ordinal, a.sha256, a.object_key
         FROM attachments a JOIN communications c ON c.customer_id = a.customer_id AND c.id = a.communication_id
        ORDER BY a.ordinal`,
    );
    expect(rows.map((r) => [r.external_id, r.ordinal, r.sha256])).toEqual([
      [`${CHAT}:1615971549000`, 0, sha256(PNG)],
      [`${CHAT}:1615971549000`, 1, sha256(CSV)],
    ]);
    expect(readFileSync(join(archiveDir, customerId, rows[1]?.object_key ?? ''))).toEqual(CSV);
  });
});
