import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Exit, Layer, Option } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArchiveImportConnector } from '../../../src/services/connectors/import/archive-import.js';
import { CursorStore } from '../../../src/services/cursor/cursor-store.js';
import { localCursorStoreLayer } from '../../../src/services/cursor/local.js';
import type { ConnectorJob } from '../../../src/services/pipeline/job.js';
import { runJob } from '../../../src/services/pipeline/runner.js';
import { openServerDatabase, type TestDatabase } from '../../support/database.js';
import { countAs, createCustomer, pipelineRuntime, queryAs } from './support/harness.js';
import { message } from './support/mailbox-connector.js';

/**
 * The database really drops: on the PostgreSQL server, every connection of the
 * application role is terminated (pg_terminate_backend) while a batch is being
 * stored by several fibers at once.
 */
let db: TestDatabase;
const dir = mkdtempSync(join(tmpdir(), 'drop-'));
beforeAll(async () => {
  db = await openServerDatabase({ maxConnections: 4 });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await db.close();
});

const terminateAppConnections = (appRole: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient;
      const rows = yield* sql<{ terminated: boolean }>`
        SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE usename = ${appRole}`;
      return rows.filter((r) => r.terminated).length;
    }).pipe(
      Effect.provide(db.adminLayer as NonNullable<TestDatabase['adminLayer']>),
      Effect.scoped,
    ) as Effect.Effect<number>,
  );

describe('connector pipeline faults on the PostgreSQL server', () => {
  it('every application connection dropped mid-batch loses nothing and stores nothing twice, whether the job recovers in place or is redelivered', async () => {
    const customerId = await createCustomer(db);
    const count = 400;
    const mbox = Array.from(
      { length: count },
      (_, i) => `From x@example.com Mon Jan  6 10:00:00 2025\n${message(i + 1)}`,
    ).join('\n');
    writeFileSync(join(dir, 'mail.mbox'), mbox.replaceAll('\r\n', '\n'));
    const runtime = pipelineRuntime(db, {
      connectors: [makeArchiveImportConnector({ pageSize: 50 })],
      ingestConcurrency: 4,
      settings: { maxRetries: 6, backoffBaseMs: 20, backoffMaxMs: 200 },
    });
    const job: ConnectorJob = {
      version: 1,
      jobId: 'drop',
      customerId,
      connectorId: 'backfill',
      platform: 'import',
      kind: 'import',
      requestedAt: '2025-01-06T10:00:00Z',
      params: { path: dir },
    };
    const running = runtime.runPromiseExit(runJob(job));
    // Wait until part of the batch is in, then cut every application connection.
    let terminated = 0;
    for (let i = 0; i < 200 && terminated === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      if ((await countAs(db, customerId, 'communications')) >= 60)
        terminated = await terminateAppConnections(db.appRole);
    }
    const exit = await running;
    await runtime.dispose();
    expect(terminated).toBeGreaterThan(0);
    // Either the job recovered in place, or a redelivery finishes it: both must end with every message once.
    if (!Exit.isSuccess(exit)) {
      const again = pipelineRuntime(db, { connectors: [makeArchiveImportConnector({ pageSize: 50 })] });
      expect(Exit.isSuccess(await again.runPromiseExit(runJob(job)))).toBe(true);
      await again.dispose();
    }
    expect(await countAs(db, customerId, 'communications')).toBe(count);
    const distinct = await queryAs<{ n: string }>(
      db,
      customerId,
      'SELECT count(DISTINCT external_id)::text AS n FROM communications',
    );
    expect(Number(distinct[0]?.n)).toBe(count);
    expect(await countAs(db, customerId, 'participants')).toBe(count * 3);
  });

  it('the same job delivered to two workers at once stores each message once (real concurrent transactions)', async () => {
    const customerId = await createCustomer(db);
    const sub = mkdtempSync(join(dir, 'twice-'));
    const mbox = Array.from(
      { length: 120 },
      (_, i) => `From x@example.com Mon Jan  6 10:00:00 2025\n${message(1000 + i)}`,
    ).join('\n');
    writeFileSync(join(sub, 'mail.mbox'), mbox.replaceAll('\r\n', '\n'));
    // Two workers: separate runtimes (own pools, own connector state), one shared cursor store as in DynamoDB.
    const cursors = localCursorStoreLayer();
    const store = await Effect.runPromise(
      Effect.gen(function* () {
        return yield* CursorStore;
      }).pipe(Effect.provide(cursors)),
    );
    const worker = () =>
      pipelineRuntime(db, {
        connectors: [makeArchiveImportConnector({ pageSize: 40 })],
        cursors: Layer.succeed(CursorStore, store),
        ingestConcurrency: 4,
      });
    const [a, b] = [worker(), worker()];
    const job: ConnectorJob = {
      version: 1,
      jobId: 'twice',
      customerId,
      connectorId: 'backfill',
      platform: 'import',
      kind: 'import',
      requestedAt: '2025-01-06T10:00:00Z',
      params: { path: sub },
    };
    const exits = await Promise.all([a.runPromiseExit(runJob(job)), b.runPromiseExit(runJob(job))]);
    await Promise.all([a.dispose(), b.dispose()]);
    for (const exit of exits) {
      expect(Exit.isSuccess(exit) || JSON.stringify(exit).includes('CursorConflict')).toBe(true);
    }
    expect(await countAs(db, customerId, 'communications')).toBe(120);
    expect(await countAs(db, customerId, 'participants')).toBe(360);
    const cursor = await Effect.runPromise(store.get({ customerId, connectorId: 'backfill', scope: sub }));
    expect(Option.getOrThrow(cursor).value).toContain('"complete":true');
  });
});
