import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Effect, Layer, ManagedRuntime } from 'effect';
import { localArchiveStoreLayer } from '../services/archive/local.js';
import { localObjectRetentionLayer } from '../services/archive/object-retention-local.js';
import { makeArchiveImportConnector } from '../services/connectors/import/archive-import.js';
import { localCursorStoreLayer } from '../services/cursor/local.js';
import { openPgliteDatabase } from '../services/db/pglite.js';
import { postgresDatabaseLayer } from '../services/db/postgres.js';
import { TenantSql } from '../services/db/tenant-sql.js';
import { Connectors } from '../services/pipeline/connector.js';
import { sqlConnectorStatusLayer } from '../services/pipeline/connector-status-sql.js';
import { sqlIngestLayer } from '../services/pipeline/ingest-sql.js';
import type { RunJobServices } from '../services/queue/job-runner.js';
import { memoryTranscriptionJobsLayer, type TranscriptionJob } from '../services/queue/transcription-jobs.js';
import { recordRetentionPolicy } from '../services/retention/policy.js';

/**
 * The same pipeline as in AWS, with the embedded layers: PGlite (pgvector,
 * pg_trgm, forced RLS as the application role) in `<home>/pgdata`, the
 * archive as files in `<home>/archive`, cursors in `<home>/cursors`. With
 * `databaseUrl` it uses a migrated PostgreSQL server instead of PGlite.
 */
export interface LocalPipelineOptions {
  /** @default `.local` under the current directory */
  readonly home?: string;
  /** A migrated PostgreSQL server, connected as the application role. @default none: PGlite */
  readonly databaseUrl?: string;
  /** Archive writes and parses in flight at once (each page is stored in one transaction). @default 16 */
  readonly ingestConcurrency?: number;
  /** Recordings queued for transcription land here (a local transcriber may read them). @default discarded after logging */
  readonly transcriptionSink?: TranscriptionJob[];
}

export interface LocalPipeline {
  readonly runtime: ManagedRuntime.ManagedRuntime<RunJobServices | TenantSql, unknown>;
  readonly describe: string;
  readonly close: () => Promise<void>;
}

export const openLocalPipeline = async (options: LocalPipelineOptions = {}): Promise<LocalPipeline> => {
  const home = resolve(options.home ?? '.local');
  mkdirSync(home, { recursive: true });
  const pglite = options.databaseUrl ? undefined : await openPgliteDatabase({ dataDir: join(home, 'pgdata') });
  const database = pglite ? pglite.layer : postgresDatabaseLayer({ url: options.databaseUrl as string });
  const tenant = TenantSql.layer().pipe(Layer.provide(database));
  const archive = localArchiveStoreLayer(join(home, 'archive'));
  const ingest = sqlIngestLayer({ concurrency: options.ingestConcurrency ?? 16 }).pipe(
    Layer.provide(Layer.mergeAll(tenant, archive, memoryTranscriptionJobsLayer(options.transcriptionSink ?? []))),
  );
  const layer = Layer.mergeAll(
    // Parsing on worker threads: the main thread hashes, archives and writes while the other cores parse.
    Connectors.layer([makeArchiveImportConnector({ parseWorkers: Math.max(1, availableParallelism() - 1) })]),
    ingest,
    tenant,
    localCursorStoreLayer(join(home, 'cursors')),
    sqlConnectorStatusLayer.pipe(Layer.provide(tenant)),
    localObjectRetentionLayer(join(home, 'archive')),
  );
  const runtime = ManagedRuntime.make(layer as Layer.Layer<RunJobServices | TenantSql, unknown>);
  return {
    runtime,
    describe: pglite ? `PGlite in ${join(home, 'pgdata')}, archive in ${join(home, 'archive')}` : 'PostgreSQL server',
    close: async () => {
      await runtime.dispose();
      await pglite?.close();
    },
  };
};

/**
 * Makes sure the customer's row exists (the blueprint is where customers come
 * from) and, when the blueprint's retention is given, that the database's
 * retention policy is the blueprint's (recorded and audited when it changed).
 */
export const ensureCustomerRow = (customer: {
  id: string;
  slug: string;
  displayName: string;
  retentionDays?: number;
  retentionByKind?: Readonly<Record<string, number>>;
}) =>
  Effect.gen(function* () {
    const tenant = yield* TenantSql;
    yield* tenant.withCustomer(
      customer.id,
      tenant.sql`INSERT INTO customers (customer_id, slug, display_name)
                 VALUES (${customer.id}, ${customer.slug}, ${customer.displayName})
                 ON CONFLICT (customer_id) DO NOTHING`,
    );
    if (customer.retentionDays !== undefined)
      yield* recordRetentionPolicy(
        {
          customerId: customer.id,
          retentionDays: customer.retentionDays,
          ...(customer.retentionByKind ? { retentionByKind: customer.retentionByKind } : {}),
        },
        `blueprint:${customer.slug}`,
      );
  });
