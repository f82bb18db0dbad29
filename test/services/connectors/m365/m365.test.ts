import { Effect, Exit, Layer, Option } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveStore } from '../../../../src/services/archive/archive-store.js';
import { makeM365Connector } from '../../../../src/services/connectors/m365/m365.js';
import { CursorStore } from '../../../../src/services/cursor/cursor-store.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { runJob } from '../../../../src/services/pipeline/runner.js';
import { openTestDatabase, type TestDatabase } from '../../../support/database.js';
import { countAs, createCustomer, pipelineRuntime, queryAs } from '../../pipeline/support/harness.js';
import { message } from '../../pipeline/support/mailbox-connector.js';
import { type GraphServer, startGraphServer } from './graph-server.js';

let db: TestDatabase;
let graph: GraphServer;
beforeAll(async () => {
  [db, graph] = await Promise.all([openTestDatabase(), startGraphServer()]);
});
afterAll(async () => {
  await graph.close();
  await db.close();
});

const setup = async (params: Record<string, unknown> = {}) => {
  const customerId = await createCustomer(db);
  const connector = makeM365Connector({ baseUrl: `${graph.baseUrl}/v1.0`, pageSize: 2 }).pipe(
    Effect.provide(Layer.merge(FetchHttpClient.layer, staticCredentialsLayer('graph-token'))),
  );
  const runtime = pipelineRuntime(db, { connectors: [connector] });
  const archived = (key: string) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* ArchiveStore;
        return yield* store.get(customerId, key);
      }),
    );
  const job: ConnectorJob = {
    version: 1,
    jobId: 'm365-poll',
    customerId,
    connectorId: 'm365-mail',
    platform: 'm365',
    kind: 'poll',
    requestedAt: '2025-01-06T10:00:00Z',
    params: { mailbox: graph.mailbox, ...params },
  };
  const cursor = (folder: string) =>
    runtime.runPromise(
      Effect.gen(function* () {
        const store = yield* CursorStore;
        return Option.getOrUndefined(yield* store.get({ customerId, connectorId: 'm365-mail', scope: folder }));
      }),
    );
  return { customerId, cursor, archived, run: () => runtime.runPromiseExit(runJob(job)) };
};

let n = 500;

describe('Microsoft 365 mail connector against a local Microsoft Graph', () => {
  it('runs a delta query per folder (children included), follows nextLink and stores the deltaLink', async () => {
    const s = await setup();
    for (let i = 0; i < 3; i++) graph.add('AAMkInbox', message(++n));
    graph.add('AAMkSent', message(++n));
    graph.add('AAMkDeals', message(++n));
    graph.requests.length = 0;
    const exit = await s.run();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes.map((o) => o.scope)).toEqual(['AAMkInbox', 'AAMkDeals', 'AAMkSent']);
    expect(exit.value.scopes[0]).toMatchObject({ pages: 2, stored: 3 });
    expect(await countAs(db, s.customerId, 'communications')).toBe(5);
    expect(graph.requests.filter((r) => r.includes('$skiptoken')).length).toBeGreaterThanOrEqual(1);
    expect(graph.requests.filter((r) => r.endsWith('/$value')).length).toBe(5);
    expect((await s.cursor('AAMkInbox'))?.value).toMatch(/messages\/delta\?\$deltatoken=/);
  });

  it('syncs only the folders the job names (the blueprint scope’s folders), without listing the mailbox’s folders', async () => {
    const s = await setup({ folders: ['AAMkDeals'] });
    graph.add('AAMkInbox', message(++n));
    graph.add('AAMkDeals', message(++n));
    graph.requests.length = 0;
    const exit = await s.run();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes.map((o) => o.scope)).toEqual(['AAMkDeals']);
    expect(graph.requests.some((r) => r.includes('/mailFolders?'))).toBe(false);
    expect(graph.requests.some((r) => r.includes('/mailFolders/AAMkInbox/'))).toBe(false);
    expect(await countAs(db, s.customerId, 'communications')).toBe(exit.value.scopes[0]?.stored);
  });

  it('a later round fetches only new mail, records a deletion as a version, and a message seen again is a no-op', async () => {
    const s = await setup();
    const first = graph.add('AAMkInbox', message(++n));
    expect(Exit.isSuccess(await s.run())).toBe(true);
    const before = await countAs(db, s.customerId, 'communications');
    graph.remove('AAMkInbox', first);
    graph.add('AAMkInbox', message(++n));
    // The same message (same Message-ID) filed into a second folder: one communication.
    graph.add('AAMkSent', message(n));
    graph.requests.length = 0;
    const exit = await s.run();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    // The new message, and the deletion as its own version (the original row stays).
    expect(await countAs(db, s.customerId, 'communications')).toBe(before + 2);
    expect(graph.requests.filter((r) => r.endsWith('/$value')).length).toBe(2);
    expect(graph.requests.some((r) => r.includes(encodeURIComponent(first)) && r.endsWith('/$value'))).toBe(false);
  });

  it('keeps a Graph `@removed` entry as a deletion version: archived as sent, linked to the original, never a hard delete', async () => {
    const s = await setup();
    const id = graph.add('AAMkDeals', message(++n));
    expect(Exit.isSuccess(await s.run())).toBe(true);
    graph.remove('AAMkDeals', id);
    expect(Exit.isSuccess(await s.run())).toBe(true);
    // The same round replayed (a 410 resync) stores nothing twice.
    graph.forgetTokens();
    expect(Exit.isSuccess(await s.run())).toBe(true);
    const rows = await queryAs<{
      external_id: string;
      body_text: string;
      raw_object_key: string;
      metadata: Record<string, unknown>;
    }>(
      db,
      s.customerId,
      `SELECT external_id, body_text, raw_object_key, metadata FROM communications WHERE metadata->>'graphId' = $1 ORDER BY (metadata->>'version') NULLS FIRST`,
      [id],
    );
    expect(rows.map((r) => r.metadata.version ?? 'original')).toEqual(['original', 'deletion']);
    expect(rows[1]).toMatchObject({
      external_id: `graph:AAMkDeals:${id}#removed`,
      body_text: '',
      metadata: { versionOf: { graphId: id }, folderId: 'AAMkDeals', removedReason: 'deleted' },
    });
    const raw = await s.archived(rows[1]?.raw_object_key ?? '');
    expect(JSON.parse(new TextDecoder().decode(raw))).toEqual({
      '@odata.type': '#microsoft.graph.message',
      id,
      '@removed': { reason: 'deleted' },
    });
  });

  it('a forgotten delta token (410 SyncStateNotFound) resyncs the folder without duplicates', async () => {
    const s = await setup();
    expect(Exit.isSuccess(await s.run())).toBe(true);
    const before = await countAs(db, s.customerId, 'communications');
    graph.add('AAMkDeals', message(++n));
    graph.forgetTokens();
    const exit = await s.run();
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes.every((o) => o.resynced && o.caughtUp)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(before + 1);
  });

  it('honours 429 Retry-After and retries a 503, then completes the round', async () => {
    const s = await setup();
    graph.add('AAMkSent', message(++n));
    graph.inject.push(
      {
        pathIncludes: '/messages/delta',
        status: 429,
        headers: { 'retry-after': '1' },
        body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } },
      },
      {
        pathIncludes: '/$value',
        status: 503,
        body: { error: { code: 'ServiceUnavailable', message: 'Service Unavailable' } },
      },
    );
    const started = Date.now();
    const exit = await s.run();
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(graph.inject.every((i) => i.times === 0)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBeGreaterThan(0);
  });
});
