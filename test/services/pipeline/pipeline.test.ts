import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it as effectIt } from '@effect/vitest';
import { Effect, Exit, Fiber, Layer, Option } from 'effect';
import { TestClock } from 'effect/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveStore } from '../../../src/services/archive/archive-store.js';
import { localArchiveStoreLayer } from '../../../src/services/archive/local.js';
import { CursorStore } from '../../../src/services/cursor/cursor-store.js';
import { AuthExpired, CursorExpired, RateLimited, Transient } from '../../../src/services/pipeline/errors.js';
import type { ConnectorJob } from '../../../src/services/pipeline/job.js';
import { runJob } from '../../../src/services/pipeline/runner.js';
import type { TranscriptionJob } from '../../../src/services/queue/transcription-jobs.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { countAs, createCustomer, type DatabaseFaults, pipelineRuntime, queryAs } from './support/harness.js';
import { mailboxConnector, message } from './support/mailbox-connector.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

const job = (customerId: string, kind: ConnectorJob['kind'] = 'poll'): ConnectorJob => ({
  version: 1,
  jobId: `job-${Math.random().toString(36).slice(2)}`,
  customerId,
  connectorId: 'gmail',
  platform: 'gmail',
  kind,
  requestedAt: '2025-01-06T10:00:00Z',
});

const cursorOf = (customerId: string) =>
  Effect.gen(function* () {
    const store = yield* CursorStore;
    return Option.getOrUndefined(yield* store.get({ customerId, connectorId: 'gmail', scope: 'inbox' }));
  });

/** Every test gets its own tenant, runtime and archive folder. */
/** Lets pending promises (the database, the mocked connector) settle until `done` holds; no time passes. */
const settledWhen = (done: () => boolean) =>
  Effect.gen(function* () {
    for (let turn = 0; turn < 1000; turn++) {
      if (done()) return;
      yield* Effect.yieldNow;
    }
    return yield* Effect.die(new Error('the condition never held'));
  });
const settle = Effect.gen(function* () {
  for (let turn = 0; turn < 100; turn++) yield* Effect.yieldNow;
});

const scenario = async (options: {
  count: number;
  pageSize: number;
  delayMs?: number;
  faults?: DatabaseFaults;
  archive?: Layer.Layer<ArchiveStore>;
  maxRetries?: number;
  sink?: TranscriptionJob[];
  status?: Map<string, string>;
}) => {
  const customerId = await createCustomer(db);
  const mailbox = mailboxConnector(options);
  const archiveDir = mkdtempSync(join(tmpdir(), 'archive-'));
  const runtime = pipelineRuntime(db, {
    connectors: [mailbox.make],
    archive: options.archive ?? localArchiveStoreLayer(archiveDir),
    ...(options.faults ? { databaseFaults: options.faults } : {}),
    ...(options.maxRetries === undefined ? {} : { settings: { maxRetries: options.maxRetries } }),
    ...(options.sink ? { transcriptionSink: options.sink } : {}),
    ...(options.status ? { statusSink: options.status } : {}),
  });
  const archivedObjects = () => {
    const root = join(archiveDir, customerId);
    try {
      return readdirSync(root, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    } catch {
      return 0;
    }
  };
  return { customerId, mailbox, runtime, archivedObjects, run: (j: ConnectorJob) => runtime.runPromiseExit(runJob(j)) };
};

describe('the connector pipeline on the test database', () => {
  it('stores every item once with its participants and raw hash, and advances the cursor page by page', async () => {
    const s = await scenario({ count: 10, pageSize: 3 });
    const exit = await s.run(job(s.customerId));
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(10);
    expect(await countAs(db, s.customerId, 'participants')).toBe(30);
    const rows = await queryAs<{ raw_sha256: string; sender: string; subject: string }>(
      db,
      s.customerId,
      `SELECT raw_sha256, sender, subject FROM communications WHERE external_id = 'msg-7@example.com'`,
    );
    expect(rows[0]).toMatchObject({ sender: 'sender7@example.com', subject: 'Trade confirmation 7' });
    expect(rows[0]?.raw_sha256).toMatch(/^[0-9a-f]{64}$/);
    const cursor = await s.runtime.runPromise(cursorOf(s.customerId));
    expect(cursor).toMatchObject({ value: '10', version: 4 });
    expect(s.archivedObjects()).toBe(10);
  });

  it('a redelivered round (resync of stored items) changes nothing', async () => {
    const s = await scenario({ count: 6, pageSize: 4 });
    await s.run(job(s.customerId));
    const before = await queryAs<{ id: string; ingested_at: string }>(
      db,
      s.customerId,
      'SELECT id, ingested_at::text FROM communications ORDER BY id',
    );
    const exit = await s.run(job(s.customerId, 'resync'));
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes[0]).toMatchObject({ stored: 0, duplicates: 6 });
    const after = await queryAs<{ id: string; ingested_at: string }>(
      db,
      s.customerId,
      'SELECT id, ingested_at::text FROM communications ORDER BY id',
    );
    expect(after).toEqual(before);
    expect(s.archivedObjects()).toBe(6);
  });

  it('the database dropping mid-batch loses nothing, stores nothing twice and leaves the cursor before the unstored page', async () => {
    // Each page is one transaction: the second one runs its statements, then loses the connection before commit.
    const faults: DatabaseFaults = { failTransactions: new Set([2]), transactions: 0 };
    const s = await scenario({ count: 9, pageSize: 3, faults, maxRetries: 0 });
    const first = await s.run(job(s.customerId));
    expect(Exit.isFailure(first)).toBe(true);
    expect(JSON.stringify(first)).toContain('Transient');
    // Page 1 (items 1–3) committed; page 2 rolled back whole (none of items 4–6); the cursor covers page 1 only.
    expect(await countAs(db, s.customerId, 'communications')).toBe(3);
    expect(await countAs(db, s.customerId, 'participants')).toBe(9);
    expect(await s.runtime.runPromise(cursorOf(s.customerId))).toMatchObject({ value: '3', version: 1 });
    const second = await s.run(job(s.customerId));
    expect(Exit.isSuccess(second)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(9);
    const externalIds = await queryAs<{ external_id: string }>(
      db,
      s.customerId,
      'SELECT external_id FROM communications',
    );
    expect(new Set(externalIds.map((r) => r.external_id)).size).toBe(9);
    expect(s.archivedObjects()).toBe(9);
  });

  it('the next page is fetched while a page commits, and nothing of it is stored when that commit fails', async () => {
    // The first page's transaction is lost; no retries. One page at a time would never have fetched page 2.
    const faults: DatabaseFaults = { failTransactions: new Set([1]), transactions: 0 };
    const s = await scenario({ count: 9, pageSize: 3, faults, maxRetries: 0 });
    const exit = await s.run(job(s.customerId));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(s.mailbox.fetches.map((c) => Option.getOrElse(c, () => 'start'))).toEqual(['start', '3']);
    expect(await countAs(db, s.customerId, 'communications')).toBe(0);
    expect(await s.runtime.runPromise(cursorOf(s.customerId))).toBeUndefined();
  });

  it('a fetch failing after a stored page fails the job only once that page is stored and the cursor is past it', async () => {
    const s = await scenario({ count: 9, pageSize: 3, maxRetries: 0 });
    s.mailbox.fault = (_cursor, call) =>
      call === 2 ? new Transient({ source: 'gmail', detail: 'injected: the provider is down' }) : undefined;
    const exit = await s.run(job(s.customerId));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain('the provider is down');
    expect(await countAs(db, s.customerId, 'communications')).toBe(3);
    expect(await s.runtime.runPromise(cursorOf(s.customerId))).toMatchObject({ value: '3', version: 1 });
    // The next job resumes after the stored page.
    s.mailbox.fault = undefined;
    expect(Exit.isSuccess(await s.run(job(s.customerId)))).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(9);
    expect(s.mailbox.fetches.map((c) => Option.getOrElse(c, () => 'start'))).toEqual(['start', '3', '3', '6']);
  });

  it('a dropped connection is retried inside the job with backoff, so the round still completes', async () => {
    const faults: DatabaseFaults = { failTransactions: new Set([2, 3]), transactions: 0 };
    const s = await scenario({ count: 4, pageSize: 4, faults, maxRetries: 3 });
    const exit = await s.run(job(s.customerId));
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(4);
  });

  it('an archive write failing mid-page stores nothing of that page, and each item exactly once after the retry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'archive-'));
    const real = localArchiveStoreLayer(dir);
    let puts = 0;
    const flaky = Layer.effect(
      ArchiveStore,
      Effect.gen(function* () {
        const store = yield* ArchiveStore;
        return ArchiveStore.of({
          ...store,
          put: (customerId, bytes, type) =>
            ++puts === 3
              ? Effect.fail(new Transient({ source: 'archive', detail: 'injected 503' }))
              : store.put(customerId, bytes, type),
        });
      }),
    ).pipe(Layer.provide(real));
    const s = await scenario({ count: 5, pageSize: 5, archive: flaky, maxRetries: 0 });
    const first = await s.run(job(s.customerId));
    expect(Exit.isFailure(first)).toBe(true);
    // Item 3's raw object was not stored, so its page (items 1–5) never reached the database: all or nothing.
    const stored = await queryAs<{ external_id: string }>(
      db,
      s.customerId,
      'SELECT external_id FROM communications ORDER BY 1',
    );
    expect(stored.map((r) => r.external_id)).toEqual([]);
    expect(await s.runtime.runPromise(cursorOf(s.customerId))).toBeUndefined();
    expect(Exit.isSuccess(await s.run(job(s.customerId)))).toBe(true);
    expect(await countAs(db, s.customerId, 'communications')).toBe(5);
    const files = readdirSync(join(dir, s.customerId), { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    expect(files).toHaveLength(5);
  });

  it('the same job delivered twice at once stores each item once and advances the cursor once per page', async () => {
    const s = await scenario({ count: 8, pageSize: 2, delayMs: 15 });
    const j = job(s.customerId);
    const [a, b] = await Promise.all([s.run(j), s.run(j)]);
    const outcomes = [a, b].map((e) =>
      Exit.isSuccess(e) ? 'ok' : JSON.stringify(e).includes('CursorConflict') ? 'conflict' : 'other',
    );
    expect(outcomes).not.toContain('other');
    expect(outcomes).toContain('ok');
    expect(await countAs(db, s.customerId, 'communications')).toBe(8);
    expect(await s.runtime.runPromise(cursorOf(s.customerId))).toMatchObject({ value: '8', version: 4 });
  });

  it('a worker that died after storing but before acknowledging: the redelivery duplicates nothing and picks up what arrived since', async () => {
    const s = await scenario({ count: 5, pageSize: 2 });
    const j = job(s.customerId);
    expect(Exit.isSuccess(await s.run(j))).toBe(true);
    s.mailbox.messages.push(message(6), message(7));
    const redelivered = await s.run(j);
    if (!Exit.isSuccess(redelivered)) throw new Error(String(redelivered.cause));
    expect(redelivered.value.scopes[0]?.stored).toBe(2);
    expect(await countAs(db, s.customerId, 'communications')).toBe(7);
  });

  it('an expired cursor falls back to a full resync of the scope', async () => {
    const s = await scenario({ count: 4, pageSize: 4 });
    await s.run(job(s.customerId));
    s.mailbox.fault = (cursor) =>
      Option.isSome(cursor)
        ? new CursorExpired({ platform: 'gmail', scope: 'inbox', detail: 'historyId too old' })
        : undefined;
    const exit = await s.run(job(s.customerId));
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes[0]).toMatchObject({ resynced: true, duplicates: 4, stored: 0 });
    expect(s.mailbox.fetches.at(-1)).toEqual(Option.none());
  });

  effectIt.effect('a rate limit is honoured: the retry waits exactly Retry-After (virtual time)', () =>
    Effect.gen(function* () {
      const s = yield* Effect.promise(() => scenario({ count: 2, pageSize: 2 }));
      s.mailbox.fault = (_, call) =>
        call === 1 ? new RateLimited({ platform: 'gmail', retryAfterMs: 300, detail: '429' }) : undefined;
      // The pipeline's services, run on this test's clock.
      const services = yield* Effect.promise(() => s.runtime.context());
      const run = yield* Effect.forkChild(runJob(job(s.customerId)).pipe(Effect.provideContext(services)));
      yield* settledWhen(() => s.mailbox.fetches.length === 1);
      yield* settle;
      yield* TestClock.adjust('299 millis');
      yield* settle;
      expect(s.mailbox.fetches).toHaveLength(1);
      yield* TestClock.adjust('1 millis');
      const outcome = yield* Fiber.join(run);
      expect(outcome.scopes[0]).toMatchObject({ stored: 2 });
      expect(s.mailbox.fetches).toHaveLength(2);
    }),
  );

  it('expired credentials mark the connector for re-authorization and stop without retrying', async () => {
    const status = new Map<string, string>();
    const s = await scenario({ count: 2, pageSize: 2, status });
    s.mailbox.fault = () => new AuthExpired({ platform: 'gmail', detail: 'invalid_grant' });
    const exit = await s.run(job(s.customerId));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain('AuthExpired');
    expect(s.mailbox.fetches).toHaveLength(1);
    expect(status.get(`${s.customerId}/gmail`)).toMatch(/^needs_reauth: invalid_grant/);
    expect(await countAs(db, s.customerId, 'communications')).toBe(0);
  });

  it('an item with an audio attachment is archived, recorded and queued for transcription once', async () => {
    const sink: TranscriptionJob[] = [];
    const s = await scenario({ count: 0, pageSize: 5, sink });
    const voicemail = [
      'Message-ID: <voicemail-1@example.com>',
      'From: pbx@acme.example',
      'To: trader@acme.example',
      'Subject: Voicemail',
      'Date: Mon, 6 Jan 2025 11:00:00 +0000',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'You have a voicemail.',
      '--b1',
      'Content-Type: audio/wav; name="vm.wav"',
      'Content-Disposition: attachment; filename="vm.wav"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('RIFF....WAVEfmt fake audio').toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    s.mailbox.messages.push(voicemail);
    expect(Exit.isSuccess(await s.run(job(s.customerId)))).toBe(true);
    expect(await countAs(db, s.customerId, 'recordings')).toBe(1);
    expect(await countAs(db, s.customerId, 'attachments')).toBe(1);
    expect(sink).toHaveLength(1);
    expect(sink[0]).toMatchObject({ customerId: s.customerId, contentType: 'audio/wav' });
    // Redelivered while the recording is still pending: queued again (at least once), never a second row.
    expect(Exit.isSuccess(await s.run(job(s.customerId, 'resync')))).toBe(true);
    expect(await countAs(db, s.customerId, 'recordings')).toBe(1);
    expect(sink.map((j) => j.recordingId)).toEqual([sink[0]?.recordingId, sink[0]?.recordingId]);
  });
});
