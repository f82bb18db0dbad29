/**
 * Messages per second through the local connector pipeline: an mbox export is
 * read by the archive-import connector, each message parsed (mailparser),
 * archived on disk (content-addressed, write-once) and stored through the
 * tenant-scoped SQL service (one transaction per message, forced RLS) — into
 * embedded PGlite and into the PostgreSQL server. A second run of the same
 * import measures the redelivery path (every message a no-op duplicate).
 *
 *   npx projen bench:ingest            (INGEST_MESSAGES=2000 INGEST_REPS=3 to change)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Exit, Layer, ManagedRuntime } from 'effect';
import { localArchiveStoreLayer } from '../src/services/archive/local.js';
import { makeArchiveImportConnector } from '../src/services/connectors/import/archive-import.js';
import { localCursorStoreLayer } from '../src/services/cursor/local.js';
import { TenantSql } from '../src/services/db/tenant-sql.js';
import { Connectors } from '../src/services/pipeline/connector.js';
import { memoryConnectorStatusLayer } from '../src/services/pipeline/connector-status.js';
import { sqlIngestLayer } from '../src/services/pipeline/ingest-sql.js';
import { runJob } from '../src/services/pipeline/runner.js';
import { memoryTranscriptionJobsLayer } from '../src/services/queue/transcription-jobs.js';
import { openPgliteTestDatabase, openServerDatabase, type TestDatabase } from '../test/support/database.js';
import { type Figure, figure, writeBenchResult } from './lib/results.js';

const MESSAGES = Number(process.env.INGEST_MESSAGES ?? 2000);
const REPS = Number(process.env.INGEST_REPS ?? 3);

/** A realistic mix: plain notes, threaded replies, HTML alternatives, one in ten with a PDF attachment. */
const mboxOf = (count: number, seed: string): string => {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `<bench-${seed}-${i}@acme.example>`;
    const body = `Trade ${i}: buy ${100 + (i % 900)} XYZ at ${(100 + (i % 37) / 4).toFixed(2)}. `.repeat(1 + (i % 12));
    const headers = [
      `From trader${i % 40}@acme.example Mon Jan  6 10:00:00 2025`,
      `Message-ID: ${id}`,
      `Date: Mon, 6 Jan 2025 ${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00 +0000`,
      `From: Trader ${i % 40} <trader${i % 40}@acme.example>`,
      `To: desk${i % 7}@acme.example, compliance@acme.example`,
      ...(i % 3 === 0 ? [`Cc: ops@acme.example`] : []),
      ...(i % 5 === 1 ? [`In-Reply-To: <bench-${seed}-${i - 1}@acme.example>`] : []),
      `Subject: =?UTF-8?Q?Best=C3=A4tigung_${i}?=`,
      'MIME-Version: 1.0',
    ];
    if (i % 10 === 0) {
      const pdf = Buffer.from(`%PDF-1.4 confirmation ${seed} ${i}\n${'0'.repeat(2000)}`).toString('base64');
      parts.push(
        [
          ...headers,
          'Content-Type: multipart/mixed; boundary="b"',
          '',
          '--b',
          'Content-Type: text/plain; charset=utf-8',
          '',
          body,
          '--b',
          `Content-Type: application/pdf; name="confirm-${i}.pdf"`,
          'Content-Transfer-Encoding: base64',
          '',
          pdf,
          '--b--',
          '',
        ].join('\n'),
      );
    } else {
      parts.push([...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\n'));
    }
  }
  return parts.join('\n');
};

const createCustomer = (layer: Layer.Layer<TenantSql>) => {
  const customerId = randomUUID();
  return Effect.runPromise(
    Effect.gen(function* () {
      const tenant = yield* TenantSql;
      yield* tenant.withCustomer(
        customerId,
        tenant.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${`bench-${customerId.slice(0, 8)}`}, 'Bench')`,
      );
      return customerId;
    }).pipe(Effect.provide(layer)) as Effect.Effect<string>,
  );
};

/** One import of `path` for a new customer; seconds for the first run and for the redelivery run. */
const measure = async (db: TestDatabase, path: string, concurrency: number) => {
  const tenant = TenantSql.layer().pipe(Layer.provide(db.appLayer));
  const archiveDir = mkdtempSync(join(tmpdir(), 'bench-archive-'));
  const layer = Layer.mergeAll(
    Connectors.layer([makeArchiveImportConnector({ pageSize: 100 })]),
    sqlIngestLayer({ concurrency }).pipe(
      Layer.provide(Layer.mergeAll(tenant, localArchiveStoreLayer(archiveDir), memoryTranscriptionJobsLayer())),
    ),
    localCursorStoreLayer(),
    memoryConnectorStatusLayer(),
  );
  const runtime = ManagedRuntime.make(layer as Layer.Layer<Effect.Services<ReturnType<typeof runJob>>>);
  try {
    const customerId = await createCustomer(tenant as Layer.Layer<TenantSql>);
    const run = async () => {
      const started = performance.now();
      const exit = await runtime.runPromiseExit(
        runJob({
          version: 1,
          jobId: randomUUID(),
          customerId,
          connectorId: 'bench',
          platform: 'import',
          kind: 'import',
          requestedAt: new Date().toISOString(),
          params: { path },
        }),
      );
      if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
      const stored = exit.value.scopes[0]?.stored ?? 0;
      const duplicates = exit.value.scopes[0]?.duplicates ?? 0;
      return { seconds: (performance.now() - started) / 1000, stored, duplicates };
    };
    const first = await run();
    if (first.stored !== MESSAGES) throw new Error(`stored ${first.stored} of ${MESSAGES}`);
    const again = await run();
    if (again.duplicates !== MESSAGES || again.stored !== 0) throw new Error('the redelivery stored something');
    return { first: MESSAGES / first.seconds, again: MESSAGES / again.seconds };
  } finally {
    await runtime.dispose();
    rmSync(archiveDir, { recursive: true, force: true });
  }
};

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mbox-'));
  const figures: Figure[] = [];
  const notes: string[] = [];
  const targets: Array<{ name: string; open: () => Promise<TestDatabase>; concurrency: number[] }> = [
    { name: 'PGlite', open: () => openPgliteTestDatabase(), concurrency: [1] },
    { name: 'PostgreSQL 15 server', open: () => openServerDatabase({ maxConnections: 8 }), concurrency: [1, 8] },
  ];
  try {
    for (const target of targets) {
      let db: TestDatabase;
      try {
        db = await target.open();
      } catch (error) {
        notes.push(`${target.name}: not measured (${(error as Error).message.split('\n')[0]})`);
        continue;
      }
      try {
        for (const concurrency of target.concurrency) {
          const firsts: number[] = [];
          const agains: number[] = [];
          for (let rep = 0; rep < REPS; rep++) {
            // A fresh mbox per repetition: new Message-IDs, so every run stores MESSAGES new rows.
            const path = join(dir, `${target.name.replace(/\W+/g, '-')}-${concurrency}-${rep}.mbox`);
            writeFileSync(path, mboxOf(MESSAGES, `${concurrency}-${rep}-${randomUUID().slice(0, 6)}`));
            const { first, again } = await measure(db, path, concurrency);
            firsts.push(first);
            agains.push(again);
            console.log(
              `${target.name} concurrency ${concurrency} rep ${rep + 1}: ${first.toFixed(0)} msg/s new, ${again.toFixed(0)} msg/s redelivered`,
            );
          }
          const conditions = { messages: MESSAGES, ingestConcurrency: concurrency, pageSize: 100 };
          figures.push(figure(`${target.name}: new messages`, 'messages/s', firsts, conditions));
          figures.push(figure(`${target.name}: redelivered (all duplicates)`, 'messages/s', agains, conditions));
        }
      } finally {
        await db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    'End to end per message: mbox read, MIME parse (mailparser), archive write (sha256, write-once file), one RLS transaction (communication, participants, attachments).',
    'Measured on the shared 2-core development machine; other work was running.',
  );
  const path = writeBenchResult({
    benchmark: 'ingest-throughput',
    description: 'Connector pipeline throughput: archive import of an mbox into PGlite and into PostgreSQL',
    figures,
    notes,
  });
  for (const f of figures)
    console.log(
      `${f.name} (concurrency ${f.conditions?.ingestConcurrency}): median ${f.median.toFixed(0)} ${f.unit} [${f.min.toFixed(0)}–${f.max.toFixed(0)}]`,
    );
  console.log(`wrote ${path}`);
};

await main();
