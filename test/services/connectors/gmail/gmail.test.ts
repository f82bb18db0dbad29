import { Effect, Exit, Layer, Option } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGmailConnector } from '../../../../src/services/connectors/gmail/gmail.js';
import { CursorStore } from '../../../../src/services/cursor/cursor-store.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { runJob } from '../../../../src/services/pipeline/runner.js';
import { openTestDatabase, type TestDatabase } from '../../../support/database.js';
import { countAs, createCustomer, pipelineRuntime, queryAs } from '../../pipeline/support/harness.js';
import { message } from '../../pipeline/support/mailbox-connector.js';
import { type GmailServer, startGmailServer } from './gmail-server.js';

let db: TestDatabase;
let gmail: GmailServer;
beforeAll(async () => {
  [db, gmail] = await Promise.all([openTestDatabase(), startGmailServer()]);
});
afterAll(async () => {
  await gmail.close();
  await db.close();
});

const connectorFor = (baseUrl: string, token: string, pageSize = 2) =>
  makeGmailConnector({ baseUrl, pageSize }).pipe(
    Effect.provide(Layer.merge(FetchHttpClient.layer, staticCredentialsLayer(token))),
  );

const setup = async (token = gmail.token) => {
  const customerId = await createCustomer(db);
  const status = new Map<string, string>();
  const runtime = pipelineRuntime(db, { connectors: [connectorFor(gmail.baseUrl, token)], statusSink: status });
  const job: ConnectorJob = {
    version: 1,
    jobId: 'gmail-poll',
    customerId,
    connectorId: 'gmail',
    platform: 'gmail',
    kind: 'poll',
    requestedAt: '2025-01-06T10:00:00Z',
  };
  const cursor = () =>
    runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* CursorStore;
        return Option.getOrUndefined(yield* store.get({ customerId, connectorId: 'gmail', scope: 'me' }));
      }),
    );
  return { customerId, status, runtime, job, cursor, run: () => runtime.runPromiseExit(runJob(job)) };
};

let n = 100;
/** Messages the connector must archive: all but drafts. */
const archivable = () => [...gmail.messages.values()].filter((m) => !m.labelIds.includes('DRAFT')).length;
const addMessages = (count: number) => Array.from({ length: count }, () => gmail.add(message(++n)));

describe('Gmail connector against a local Gmail API', () => {
  it('syncs a new mailbox in full, then continues from the profile historyId with history.list', async () => {
    const s = await setup();
    addMessages(5);
    gmail.requests.length = 0;
    const first = await s.run();
    expect(Exit.isSuccess(first)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(archivable());
    expect(gmail.requests.some((r) => r.startsWith('/gmail/v1/users/me/profile'))).toBe(true);
    expect(gmail.requests.filter((r) => r.includes('format=raw')).length).toBe(gmail.messages.size);
    const afterFull = await s.cursor();
    expect(JSON.parse(afterFull?.value ?? '{}')).toEqual({ mode: 'history', historyId: String(gmail.state.historyId) });

    const startedAt = gmail.state.historyId;
    const fresh = addMessages(3);
    gmail.requests.length = 0;
    const second = await s.run();
    if (!Exit.isSuccess(second)) throw new Error(String(second.cause));
    expect(second.value.scopes[0]).toMatchObject({ stored: 3, duplicates: 0 });
    // Incremental: history from the stored id, paged two records at a time, and only the new messages fetched.
    const historyCalls = gmail.requests.filter((r) => r.includes('/history'));
    expect(historyCalls[0]).toContain(`startHistoryId=${startedAt}`);
    expect(historyCalls.length).toBe(2);
    expect(
      gmail.requests.filter((r) => r.includes('format=raw')).map((r) => r.split('/messages/')[1]?.split('?')[0]),
    ).toEqual(fresh);
    expect(JSON.parse((await s.cursor())?.value ?? '{}')).toEqual({
      mode: 'history',
      historyId: String(gmail.state.historyId),
    });
  });

  it('stores the raw RFC 822 bytes it fetched and their hash', async () => {
    const s = await setup();
    const id = gmail.add(message(++n, ' Ünïcödé body'));
    expect(Exit.isSuccess(await s.run())).toBe(true);
    const rows = await queryAs<{ raw_sha256: string; body_text: string }>(
      db,
      s.customerId,
      `SELECT raw_sha256, body_text FROM communications WHERE metadata->>'gmailId' = $1`,
      [id],
    );
    const { createHash } = await import('node:crypto');
    const raw = Buffer.from(gmail.messages.get(id)?.raw ?? '', 'base64url');
    expect(rows[0]?.raw_sha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(rows[0]?.body_text).toContain('Ünïcödé body');
  });

  it('archives sent and received mail but not drafts', async () => {
    const s = await setup();
    expect(Exit.isSuccess(await s.run())).toBe(true);
    const before = await countAs(db, s.customerId, 'communications');
    gmail.add(message(++n), ['SENT']);
    gmail.add(message(++n), ['DRAFT']);
    const exit = await s.run();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes[0]?.stored).toBe(1);
    expect(await countAs(db, s.customerId, 'communications')).toBe(before + 1);
  });

  it('a full sync archives the mailbox’s spam and trash too (includeSpamTrash)', async () => {
    gmail.add(message(++n), ['SPAM']);
    gmail.add(message(++n), ['TRASH']);
    const s = await setup();
    const exit = await s.run();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(gmail.requests.some((r) => r.includes('/messages?') && r.includes('includeSpamTrash=true'))).toBe(true);
    const archivable = [...gmail.messages.values()].filter((m) => !m.labelIds.includes('DRAFT')).length;
    expect(await countAs(db, s.customerId, 'communications')).toBe(archivable);
  });

  it('an expired historyId (404) falls back to a full resync without duplicating what was stored', async () => {
    const s = await setup();
    expect(Exit.isSuccess(await s.run())).toBe(true);
    const before = await countAs(db, s.customerId, 'communications');
    addMessages(2);
    gmail.state.minHistoryId = gmail.state.historyId + 1;
    const exit = await s.run();
    gmail.state.minHistoryId = 0;
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes[0]).toMatchObject({ resynced: true, stored: 2, duplicates: before });
    expect(await countAs(db, s.customerId, 'communications')).toBe(before + 2);
  });

  it('backs off on quota errors (429 and 403 rateLimitExceeded) and 5xx, then completes', async () => {
    const s = await setup();
    addMessages(1);
    gmail.inject.push(
      {
        pathIncludes: '/profile',
        status: 429,
        body: { error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } },
        headers: { 'retry-after': '1' },
      },
      {
        pathIncludes: '/messages',
        status: 403,
        body: {
          error: {
            code: 403,
            message: 'User-rate limit exceeded',
            errors: [{ reason: 'userRateLimitExceeded', domain: 'usageLimits', message: 'User-rate limit exceeded' }],
          },
        },
      },
      {
        pathIncludes: '/messages/',
        status: 503,
        body: { error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' } },
      },
    );
    const started = Date.now();
    const exit = await s.run();
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(gmail.inject.every((i) => i.times === 0)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(archivable());
  });

  it('a revoked token (401) marks the connector for re-authorization and stores nothing', async () => {
    const s = await setup('revoked-token');
    const exit = await s.run();
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain('AuthExpired');
    expect(s.status.get(`${s.customerId}/gmail`)).toMatch(/^needs_reauth/);
    expect(await countAs(db, s.customerId, 'communications')).toBe(0);
    expect(await s.cursor()).toBeUndefined();
  });
});
