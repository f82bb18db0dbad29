import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Layer, ManagedRuntime } from 'effect';
import type { ArchiveStore } from '../../../../src/services/archive/archive-store.js';
import { localArchiveStoreLayer } from '../../../../src/services/archive/local.js';
import type { CursorStore } from '../../../../src/services/cursor/cursor-store.js';
import { localCursorStoreLayer } from '../../../../src/services/cursor/local.js';
import { TransientDatabaseError } from '../../../../src/services/db/errors.js';
import { makeTenantSql, TenantSql } from '../../../../src/services/db/tenant-sql.js';
import { type Connector, Connectors } from '../../../../src/services/pipeline/connector.js';
import {
  type ConnectorStatus,
  memoryConnectorStatusLayer,
} from '../../../../src/services/pipeline/connector-status.js';
import type { Ingest } from '../../../../src/services/pipeline/ingest.js';
import { sqlIngestLayer } from '../../../../src/services/pipeline/ingest-sql.js';
import { PipelineSettings } from '../../../../src/services/pipeline/policy.js';
import {
  memoryTranscriptionJobsLayer,
  type TranscriptionJob,
} from '../../../../src/services/queue/transcription-jobs.js';
import type { TestDatabase } from '../../../support/database.js';

/** Retry timings small enough for tests (milliseconds, not minutes). */
export const FAST_SETTINGS: PipelineSettings = {
  backoffBaseMs: 1,
  backoffMaxMs: 5,
  maxRetries: 3,
  maxInlineWaitMs: 2_000,
  maxPagesPerScope: 200,
};

/** Faults to inject into the database: which transactions (1-based, counting every withCustomer) lose their connection before commit. */
export interface DatabaseFaults {
  failTransactions: Set<number>;
  transactions: number;
}

/** TenantSql whose chosen transactions run their statements and then lose the connection, so they roll back. */
export const faultyTenantSqlLayer = (faults: DatabaseFaults) =>
  Layer.effect(
    TenantSql,
    Effect.gen(function* () {
      const real = yield* makeTenantSql({ retries: 0 });
      return TenantSql.of({
        sql: real.sql,
        withCustomer: (customerId, effect) => {
          faults.transactions += 1;
          if (!faults.failTransactions.has(faults.transactions)) return real.withCustomer(customerId, effect);
          const dropped = new TransientDatabaseError({
            customerId,
            reason: 'ConnectionError',
            attempts: 1,
            message: 'injected: connection lost before commit',
            cause: new Error('injected'),
          });
          return real.withCustomer(customerId, Effect.andThen(effect, Effect.fail(dropped)));
        },
      });
    }),
  );

export interface PipelineParts {
  readonly connectors: ReadonlyArray<Effect.Effect<Connector>>;
  readonly archive?: Layer.Layer<ArchiveStore>;
  readonly cursors?: Layer.Layer<CursorStore>;
  readonly settings?: Partial<PipelineSettings>;
  readonly databaseFaults?: DatabaseFaults;
  readonly transcriptionSink?: TranscriptionJob[];
  readonly statusSink?: Map<string, string>;
  readonly ingestConcurrency?: number;
}

export type PipelineServices = Connectors | Ingest | CursorStore | ConnectorStatus | TenantSql | ArchiveStore;

/** Everything `runJob` needs, on the test database, with local archive and cursor stores. */
export const pipelineLayer = (db: TestDatabase, parts: PipelineParts) => {
  const tenant = (
    parts.databaseFaults ? faultyTenantSqlLayer(parts.databaseFaults) : TenantSql.layer({ retries: 0 })
  ).pipe(Layer.provide(db.appLayer));
  const archive = parts.archive ?? localArchiveStoreLayer(mkdtempSync(join(tmpdir(), 'archive-')));
  const ingest = sqlIngestLayer({ concurrency: parts.ingestConcurrency ?? 1 }).pipe(
    Layer.provide(Layer.mergeAll(tenant, archive, memoryTranscriptionJobsLayer(parts.transcriptionSink ?? []))),
  );
  return Layer.mergeAll(
    Connectors.layer(parts.connectors),
    ingest,
    tenant,
    archive,
    parts.cursors ?? localCursorStoreLayer(),
    memoryConnectorStatusLayer(parts.statusSink ?? new Map()),
    Layer.succeed(PipelineSettings, { ...FAST_SETTINGS, ...parts.settings }),
  );
};

/** A runtime over `pipelineLayer`, so one scenario's runs share their cursor store. */
export const pipelineRuntime = (db: TestDatabase, parts: PipelineParts) =>
  ManagedRuntime.make(pipelineLayer(db, parts) as Layer.Layer<PipelineServices | PipelineSettings>);

/** A new customer row (each scenario gets its own tenant, so counts never mix). */
export const createCustomer = async (db: TestDatabase, slugPrefix = 'test'): Promise<string> => {
  const customerId = randomUUID();
  const slug = `${slugPrefix}-${customerId.slice(0, 8)}`;
  await Effect.runPromise(
    Effect.gen(function* () {
      const tenant = yield* makeTenantSql();
      yield* tenant.withCustomer(
        customerId,
        tenant.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${slug}, ${slug})`,
      );
    }).pipe(Effect.provide(db.appLayer), Effect.scoped) as Effect.Effect<void>,
  );
  return customerId;
};

/** Runs a query as `customerId` (through RLS, as the services do). */
export const queryAs = async <A extends object>(
  db: TestDatabase,
  customerId: string,
  text: string,
  params: unknown[] = [],
) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const tenant = yield* makeTenantSql();
      return yield* tenant.withCustomer(customerId, tenant.sql.unsafe<A>(text, params));
    }).pipe(Effect.provide(db.appLayer), Effect.scoped) as Effect.Effect<readonly A[]>,
  );

export const countAs = async (db: TestDatabase, customerId: string, table: string) =>
  Number((await queryAs<{ n: string }>(db, customerId, `SELECT count(*)::text AS n FROM ${table}`))[0]?.n ?? 0);
