/**
 * Messages per second through the local connector pipeline: an mbox export is
 * read by the archive-import connector (pages of 500), each new message parsed
 * (mailparser; on worker threads, and on the main thread for comparison),
 * archived on disk (content-addressed, write-once) and stored through the
 * tenant-scoped SQL service (one transaction per page, forced RLS) — into
 * embedded PGlite and into the PostgreSQL server. A second run of the same
 * import measures the redelivery path (every message a duplicate, known by
 * the SHA-256 of its bytes before any parse).
 *
 * The measuring stick is the one-core parse ceiling (`lib/parse-ceiling.ts`:
 * MIME parse + SHA-256 of the same corpus, one core), measured in the same
 * run right before and right after each repetition (their mean); every figure is also reported as its
 * ratio to the ceiling of its repetition (median over repetitions), beside
 * the absolute numbers. The load average is recorded with each repetition.
 *
 *   npx projen bench:ingest            (INGEST_MESSAGES=2000 INGEST_REPS=3 INGEST_PARSE_WORKERS=1,0 to change)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Exit, Layer, ManagedRuntime } from 'effect';
import { localArchiveStoreLayer } from '../src/services/archive/local.js';
import { sharedEmailParsePool } from '../src/services/connectors/email/parse-pool.js';
import { makeArchiveImportConnector } from '../src/services/connectors/import/archive-import.js';
import { localCursorStoreLayer } from '../src/services/cursor/local.js';
import { TenantSql } from '../src/services/db/tenant-sql.js';
import { Connectors } from '../src/services/pipeline/connector.js';
import { memoryConnectorStatusLayer } from '../src/services/pipeline/connector-status.js';
import { sqlIngestLayer } from '../src/services/pipeline/ingest-sql.js';
import { runJob } from '../src/services/pipeline/runner.js';
import { memoryTranscriptionJobsLayer } from '../src/services/queue/transcription-jobs.js';
import { openPgliteTestDatabase, openServerDatabase, type TestDatabase } from '../test/support/database.js';
import { mboxOf } from './lib/corpus.js';
import { startCpuCount } from './lib/cpu-time.js';
import { measureParseCeiling, readCorpus } from './lib/parse-ceiling.js';
import { type Figure, figure, writeBenchResult } from './lib/results.js';

const MESSAGES = Number(process.env.INGEST_MESSAGES ?? 2000);
const REPS = Number(process.env.INGEST_REPS ?? 3);
/** The archive import's default page size (one transaction and one cursor advance per page). */
const PAGE_SIZE = 500;
/** Parse worker threads (0: parse on the main thread): every core but the main thread's, as the local pipeline does, and 0. */
const WORKER_VARIANTS = (process.env.INGEST_PARSE_WORKERS ?? `${Math.max(1, availableParallelism() - 1)},0`)
  .split(',')
  .map(Number);

/** Which databases to measure (a name fragment each, comma-separated): `INGEST_TARGETS=server` for the server alone. */
const TARGETS = (process.env.INGEST_TARGETS ?? 'pglite,server').toLowerCase().split(',');

const createCustomer = Effect.gen(function* () {
  const customerId = randomUUID();
  const tenant = yield* TenantSql;
  yield* tenant.withCustomer(
    customerId,
    tenant.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${`bench-${customerId.slice(0, 8)}`}, 'Bench')`,
  );
  return customerId;
});

/** One import of `path` for a new customer; seconds for the first run and for the redelivery run. */
const measure = async (db: TestDatabase, path: string, parseWorkers: number) => {
  const tenant = TenantSql.layer().pipe(Layer.provide(db.appLayer));
  const archiveDir = mkdtempSync(join(tmpdir(), 'bench-archive-'));
  const layer = Layer.mergeAll(
    Connectors.layer([makeArchiveImportConnector({ pageSize: PAGE_SIZE, parseWorkers })]),
    sqlIngestLayer().pipe(
      Layer.provideMerge(Layer.mergeAll(tenant, localArchiveStoreLayer(archiveDir), memoryTranscriptionJobsLayer())),
    ),
    localCursorStoreLayer(),
    memoryConnectorStatusLayer(),
  );
  const runtime = ManagedRuntime.make(layer as Layer.Layer<Effect.Services<ReturnType<typeof runJob>> | TenantSql>);
  try {
    // The customer is created through the runtime: its services are built and its connection pool opened before
    // anything is timed, as a worker does once at start (in the first timed run they cost ~1 s of 2,000 messages).
    const customerId = await runtime.runPromise(createCustomer);
    const run = async () => {
      const started = performance.now();
      const cpu = startCpuCount();
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
      return { seconds: (performance.now() - started) / 1000, stored, duplicates, cpu: cpu() };
    };
    const first = await run();
    if (first.stored !== MESSAGES) throw new Error(`stored ${first.stored} of ${MESSAGES}`);
    const again = await run();
    if (again.duplicates !== MESSAGES || again.stored !== 0) throw new Error('the redelivery stored something');
    return { first: MESSAGES / first.seconds, again: MESSAGES / again.seconds, cpu: first.cpu };
  } finally {
    await runtime.dispose();
    rmSync(archiveDir, { recursive: true, force: true });
  }
};

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-mbox-'));
  const figures: Figure[] = [];
  const notes: string[] = [];
  const targets: Array<{ name: string; open: () => Promise<TestDatabase> }> = [
    { name: 'PGlite', open: () => openPgliteTestDatabase() },
    { name: 'PostgreSQL 15 server', open: () => openServerDatabase({ maxConnections: 8 }) },
  ].filter((t) => TARGETS.some((wanted) => t.name.toLowerCase().includes(wanted)));
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
        for (const parseWorkers of WORKER_VARIANTS) {
          const firsts: number[] = [];
          const agains: number[] = [];
          const ceilings: number[] = [];
          const loads: number[] = [];
          const nodeCpu: number[] = [];
          const serverCpu: number[] = [];
          for (let rep = 0; rep < REPS; rep++) {
            // A fresh mbox per repetition: new Message-IDs, so every run stores MESSAGES new rows.
            const path = join(dir, `${target.name.replace(/\W+/g, '-')}-${parseWorkers}-${rep}.mbox`);
            writeFileSync(path, mboxOf(MESSAGES, `${parseWorkers}-${rep}-${randomUUID().slice(0, 6)}`));
            // The ceiling of this very corpus, measured just before and just after the run it is compared
            // with (their mean), so load that comes and goes during the run weighs on both sides alike.
            const corpus = await readCorpus(path);
            const before = await measureParseCeiling(corpus);
            const load = loadavg()[0] ?? 0;
            // Steady state: the process-wide parse workers are started (and their parser loaded) before timing.
            if (parseWorkers > 0)
              await Promise.all(
                corpus
                  .slice(0, 50)
                  .map((raw) => sharedEmailParsePool(parseWorkers).parse(raw, { sourceId: 'warm-up' })),
              );
            const { first, again, cpu } = await measure(db, path, parseWorkers);
            const ceiling = (before + (await measureParseCeiling(corpus))) / 2;
            firsts.push(first);
            nodeCpu.push((cpu.process * 1e6) / MESSAGES);
            serverCpu.push((cpu.postgres * 1e6) / MESSAGES);
            agains.push(again);
            ceilings.push(ceiling);
            loads.push(load);
            console.log(
              `${target.name} parse workers ${parseWorkers} rep ${rep + 1}: ceiling ${ceiling.toFixed(0)} msg/s; ${first.toFixed(0)} msg/s new (${(first / ceiling).toFixed(2)}x), ${again.toFixed(0)} msg/s redelivered (${(again / ceiling).toFixed(2)}x); load ${load.toFixed(2)}; CPU per new message ${((cpu.process * 1e6) / MESSAGES).toFixed(0)} µs Node + ${((cpu.postgres * 1e6) / MESSAGES).toFixed(0)} µs server, ceiling ${(1e6 / ceiling).toFixed(0)} µs`,
            );
          }
          const conditions = { messages: MESSAGES, parseWorkers, pageSize: PAGE_SIZE };
          const ratio = (xs: number[]) => xs.map((x, i) => x / (ceilings[i] as number));
          figures.push(
            figure(`${target.name}: one-core parse ceiling (MIME parse + SHA-256)`, 'messages/s', ceilings, conditions),
            figure(`${target.name}: new messages`, 'messages/s', firsts, conditions),
            figure(`${target.name}: new messages ÷ ceiling`, 'ratio', ratio(firsts), conditions),
            figure(`${target.name}: redelivered (all duplicates)`, 'messages/s', agains, conditions),
            figure(`${target.name}: redelivered ÷ ceiling`, 'ratio', ratio(agains), conditions),
            figure(`${target.name}: load average (1 min) at start`, 'load', loads, conditions),
            figure(`${target.name}: CPU per new message, Node (all threads)`, 'µs', nodeCpu, conditions),
            figure(`${target.name}: CPU per new message, PostgreSQL server processes`, 'µs', serverCpu, conditions),
          );
        }
      } finally {
        await db.close();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  notes.push(
    'End to end per message: mbox read, SHA-256 lookup of the page (redelivery stops here), MIME parse (mailparser, on parseWorkers worker threads or the main thread when 0), archive write (sha256, write-once file), one RLS transaction per page of 500 (communications, participants, attachments, recordings in one multi-row statement).',
    'Ratio = the figure ÷ the one-core parse ceiling of the same corpus measured in the same repetition, just before and just after it (mean; simpleParser with the pipeline options + SHA-256 of the raw bytes, main thread only, after a warm-up); median over repetitions.',
    'Measured on the shared 2-core development machine; other work was running (load averages are in the figures).',
  );
  const path = writeBenchResult({
    benchmark: 'ingest-throughput',
    description: 'Connector pipeline throughput: archive import of an mbox into PGlite and into PostgreSQL',
    figures,
    notes,
  });
  for (const f of figures) {
    const digits = f.unit === 'messages/s' ? 0 : 2;
    console.log(
      `${f.name} (parse workers ${f.conditions?.parseWorkers}): median ${f.median.toFixed(digits)} ${f.unit} [${f.min.toFixed(digits)}–${f.max.toFixed(digits)}]`,
    );
  }
  console.log(`wrote ${path}`);
};

await main();
