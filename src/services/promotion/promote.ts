import { randomUUID } from 'node:crypto';
import { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';
import { pooledArchivePrefix } from '../../contracts/pooled-data.js';
import type { TenantSql } from '../db/index.js';
import { type CustomerRoute, TenantRoutes } from '../db/routing-table.js';
import { type ArchiveSide, digestArchive } from './archive.js';
import { PromotionRefusedError, PromotionStepError, VerificationFailedError } from './errors.js';
import { PromotionJournal, type PromotionProgress } from './journal.js';
import { digestTable, readBatch, type TableDigest, writeBatch } from './rows.js';
import { type CustomerTable, customerTables, quoted } from './tables.js';

/** The two databases and archives a promotion moves one customer between. */
export interface PromotionSides {
  /** The pooled cluster as the application role: every read runs in the customer's tenant transaction (RLS). */
  readonly pool: TenantSql['Service'];
  /** The pooled cluster as its administrator: only the purge, as the owner role, for the one customer. */
  readonly poolAdmin: SqlClient.SqlClient;
  /** The pooled cluster's owner role (the migrations' `{{owner_role}}`). */
  readonly poolOwnerRole: string;
  /** The customer's freshly deployed, migrated database, as the application role. */
  readonly dedicated: TenantSql['Service'];
  /** The pooled archive (objects under `customers/<id>/`) and the customer's own bucket (the same keys, unprefixed). */
  readonly poolArchive: ArchiveSide;
  readonly dedicatedArchive: ArchiveSide;
}

/** What the promotion reports as it goes (the CLI prints it; tests may stop it). */
export type PromotionEvent =
  | { readonly step: 'freeze'; readonly promotionId: string }
  | { readonly step: 'copy'; readonly table: string; readonly copied: number; readonly total: number }
  | { readonly step: 'archive'; readonly key: string; readonly written: boolean }
  | { readonly step: 'verify'; readonly what: string; readonly count: number; readonly matches: boolean }
  | { readonly step: 'switch' }
  | { readonly step: 'purge'; readonly what: string; readonly removed: number };

export interface PromoteOptions {
  readonly customerId: string;
  /** Rows per batch (one transaction on each side). @default 500 */
  readonly batchSize?: number;
  /** Only plan: read counts on both sides, change nothing. @default false */
  readonly dryRun?: boolean;
  /** Called after each step and batch. @default nothing */
  readonly onProgress?: (event: PromotionEvent) => Effect.Effect<void, unknown>;
}

/** What the promotion will do (and, on a resumed run, what is already done). */
export interface PromotionPlan {
  readonly customerId: string;
  readonly route: CustomerRoute | undefined;
  readonly resumes: PromotionProgress | undefined;
  /** In copy order (parents first); the purge goes in reverse. */
  readonly tables: ReadonlyArray<{
    readonly name: string;
    readonly pooledRows: number;
    readonly dedicatedRows: number;
  }>;
  readonly archivePrefix: string;
  readonly archiveObjects: number;
  readonly steps: readonly string[];
}

export interface PromotionResult {
  readonly outcome: 'dry-run' | 'promoted' | 'already-dedicated';
  readonly plan: PromotionPlan;
  /** Digests compared before the switch (empty for a dry run or a customer already dedicated). */
  readonly verified: ReadonlyArray<{ readonly what: string } & TableDigest>;
}

const STEPS = [
  'freeze: the route stays on the pool, marked relocating (workers get a retryable refusal)',
  'copy: every customer table in dependency order, in batches (idempotent upserts), journalled per batch',
  'archive: every object under the customer prefix to its own bucket, re-keyed without the prefix',
  'verify: row counts and SHA-256 of every table and of the archive, pool against dedicated',
  'switch: the route to the dedicated database (compare-and-set)',
  'purge: the customer’s rows from the pool (children first, as the owner role, for this customer only), then its pooled objects',
];

const stepFailure = (customerId: string, step: string) => (cause: unknown) =>
  new PromotionStepError({
    customerId,
    step,
    detail: cause instanceof Error ? cause.message : String((cause as { message?: string })?.message ?? cause),
    cause,
  });

const now = () => new Date().toISOString();

/**
 * Moves one customer from the pooled cluster to its own (freshly deployed,
 * migrated, empty) database: freeze, copy, archive, verify, switch, purge.
 * Every step is journalled; re-running after an interruption resumes where it
 * stopped, and re-running after success changes nothing.
 */
export const promoteCustomer = (sides: PromotionSides, options: PromoteOptions) =>
  Effect.gen(function* () {
    const customerId = options.customerId.toLowerCase();
    const batchSize = options.batchSize ?? 500;
    const report = options.onProgress ?? (() => Effect.void);
    const routes = yield* TenantRoutes;
    const journal = yield* PromotionJournal;
    const fail = (step: string) => stepFailure(customerId, step);
    const refuse = (reason: string) => Effect.fail(new PromotionRefusedError({ customerId, reason }));

    const route = yield* routes.get(customerId);
    const resumes = yield* journal.load(customerId).pipe(Effect.mapError(fail('journal')));
    const prefix = pooledArchivePrefix(customerId);

    // A dedicated database is bound to its one customer at deploy (sql/0010): never copy into someone else's.
    const [binding] = yield* sides.dedicated.sql<{
      bound: string | null;
    }>`SELECT panops_bound_customer_id() AS bound`.pipe(Effect.mapError(fail('plan')));
    if (binding?.bound && binding.bound.toLowerCase() !== customerId)
      return yield* refuse(
        `the dedicated database is bound to customer ${binding.bound}, not ${customerId}: nothing copied, nothing purged`,
      );

    // Plan: the tables as both databases describe them, and the counts on each side.
    const tables = yield* customerTables(sides.pool.sql).pipe(Effect.mapError(fail('plan')));
    const dedicatedTables = yield* customerTables(sides.dedicated.sql).pipe(Effect.mapError(fail('plan')));
    const signature = (list: readonly CustomerTable[]) =>
      JSON.stringify(list.map((t) => [t.name, t.primaryKey, t.columns]));
    if (signature(tables) !== signature(dedicatedTables))
      return yield* refuse('the dedicated database’s schema differs from the pool’s (run the same migrations on both)');
    const countIn = (db: TenantSql['Service'], table: CustomerTable) =>
      db
        .withCustomer(
          customerId,
          db.sql.unsafe<{ n: number }>(
            `SELECT count(*)::int AS n FROM ${quoted(table.name)} WHERE customer_id = $1::uuid`,
            [customerId],
          ),
        )
        .pipe(Effect.map((rows) => rows[0]?.n ?? 0));
    const counted = yield* Effect.forEach(tables, (table) =>
      Effect.all({ pooledRows: countIn(sides.pool, table), dedicatedRows: countIn(sides.dedicated, table) }).pipe(
        Effect.map((counts) => ({ name: table.name, ...counts })),
      ),
    ).pipe(Effect.mapError(fail('plan')));
    const archiveKeys = yield* sides.poolArchive.list(prefix).pipe(Effect.mapError(fail('plan')));
    const plan: PromotionPlan = {
      customerId,
      route,
      resumes,
      tables: counted,
      archivePrefix: prefix,
      archiveObjects: archiveKeys.length,
      steps: STEPS,
    };

    if (!route) return yield* refuse('the customer has no route (seed the routes from the blueprint first)');
    const finished = route.tier === 'dedicated' && !route.relocation && (!resumes || resumes.phase === 'done');
    if (finished)
      return { outcome: 'already-dedicated', plan, verified: [] } satisfies PromotionResult as PromotionResult;
    if (route.relocation && route.relocation.promotionId !== resumes?.promotionId)
      return yield* refuse(
        `promotion ${route.relocation.promotionId} holds the customer, and this journal does not know it`,
      );
    if (options.dryRun) return { outcome: 'dry-run', plan, verified: [] } satisfies PromotionResult as PromotionResult;

    let progress: PromotionProgress = resumes ?? {
      promotionId: randomUUID(),
      customerId,
      phase: 'copying',
      cursors: {},
      copied: {},
      startedAt: now(),
      updatedAt: now(),
    };
    const save = (next: PromotionProgress) =>
      journal.save({ ...next, updatedAt: now() }).pipe(
        Effect.mapError(fail('journal')),
        Effect.tap(() =>
          Effect.sync(() => {
            progress = next;
          }),
        ),
      );
    yield* save(progress);

    // Freeze: from here on workers get CustomerRelocatingError (retryable) until the switch.
    if (route.tier === 'pooled' && !route.relocation) {
      yield* routes.compareAndSet(route, {
        ...route,
        relocation: { promotionId: progress.promotionId, startedAt: now() },
      });
      yield* report({ step: 'freeze', promotionId: progress.promotionId });
    }

    const verified: Array<{ what: string } & TableDigest> = [];
    if (progress.phase === 'copying') {
      // A derived table is written by the dedicated side's triggers as its source is copied.
      for (const table of tables.filter((t) => t.derivedFrom === undefined)) {
        const total = counted.find((c) => c.name === table.name)?.pooledRows ?? 0;
        for (;;) {
          const after = progress.cursors[table.name];
          const batch = yield* sides.pool
            .withCustomer(customerId, readBatch(sides.pool.sql, table, customerId, after, batchSize))
            .pipe(Effect.mapError(fail(`copy ${table.name} (read)`)));
          if (batch.rows.length === 0 || batch.lastKey === undefined) break;
          yield* sides.dedicated
            .withCustomer(customerId, writeBatch(sides.dedicated.sql, table, batch.rows, table.name === 'audit_log'))
            .pipe(Effect.mapError(fail(`copy ${table.name} (write)`)));
          const copied = (progress.copied[table.name] ?? 0) + batch.rows.length;
          yield* save({
            ...progress,
            cursors: { ...progress.cursors, [table.name]: batch.lastKey },
            copied: { ...progress.copied, [table.name]: copied },
          });
          yield* report({ step: 'copy', table: table.name, copied, total });
          if (batch.rows.length < batchSize) break;
        }
      }
      for (const key of archiveKeys) {
        const bytes = yield* sides.poolArchive.read(key).pipe(Effect.mapError(fail('archive (read)')));
        const written = yield* sides.dedicatedArchive
          .writeIfAbsent(key.slice(prefix.length), bytes)
          .pipe(Effect.mapError(fail('archive (write)')));
        yield* report({ step: 'archive', key, written });
      }

      // Verify every table and the archive on both sides before anything is switched or removed.
      const mismatches: Array<{ what: string; pooled: TableDigest; dedicated: TableDigest }> = [];
      for (const table of tables) {
        const digestOn = (db: TenantSql['Service']) =>
          digestTable((effect) => db.withCustomer(customerId, effect), db.sql, table, customerId, batchSize);
        const pooled = yield* digestOn(sides.pool).pipe(Effect.mapError(fail(`verify ${table.name}`)));
        const dedicated = yield* digestOn(sides.dedicated).pipe(Effect.mapError(fail(`verify ${table.name}`)));
        const matches = pooled.count === dedicated.count && pooled.sha256 === dedicated.sha256;
        if (!matches) mismatches.push({ what: table.name, pooled, dedicated });
        verified.push({ what: table.name, ...dedicated });
        yield* report({ step: 'verify', what: table.name, count: dedicated.count, matches });
      }
      const pooledArchive = yield* digestArchive(sides.poolArchive, prefix).pipe(
        Effect.mapError(fail('verify archive')),
      );
      const dedicatedArchive = yield* digestArchive(sides.dedicatedArchive, '').pipe(
        Effect.mapError(fail('verify archive')),
      );
      const archiveMatches =
        pooledArchive.sha256 === dedicatedArchive.sha256 && pooledArchive.count === dedicatedArchive.count;
      if (!archiveMatches) mismatches.push({ what: 'archive', pooled: pooledArchive, dedicated: dedicatedArchive });
      verified.push({ what: 'archive', ...dedicatedArchive });
      yield* report({ step: 'verify', what: 'archive', count: dedicatedArchive.count, matches: archiveMatches });
      if (mismatches.length > 0) {
        // The next run copies the differing tables again from their first row (upserts bring rows back in line).
        const differing = new Set(mismatches.map((m) => m.what));
        yield* save({
          ...progress,
          cursors: Object.fromEntries(Object.entries(progress.cursors).filter(([table]) => !differing.has(table))),
        });
        return yield* new VerificationFailedError({ customerId, mismatches });
      }
      yield* save({ ...progress, phase: 'verified' });
    }

    if (progress.phase === 'verified') {
      const current = yield* routes.get(customerId);
      if (current && (current.tier !== 'dedicated' || current.relocation))
        yield* routes.compareAndSet(current, { customerId, tier: 'dedicated' });
      yield* report({ step: 'switch' });
      yield* save({ ...progress, phase: 'switched' });
    }

    if (progress.phase === 'switched') {
      for (const table of [...tables].reverse()) {
        let removed = 0;
        for (;;) {
          const gone = yield* purgeBatch(sides, table, customerId, batchSize).pipe(
            Effect.mapError(fail(`purge ${table.name}`)),
          );
          removed += gone;
          if (gone === 0) break;
        }
        yield* report({ step: 'purge', what: table.name, removed });
      }
      const leftovers = yield* sides.poolArchive.list(prefix).pipe(Effect.mapError(fail('purge archive')));
      for (const key of leftovers) yield* sides.poolArchive.remove(key).pipe(Effect.mapError(fail('purge archive')));
      yield* report({ step: 'purge', what: 'archive', removed: leftovers.length });
      yield* save({ ...progress, phase: 'done' });
    }
    return { outcome: 'promoted', plan, verified } satisfies PromotionResult as PromotionResult;
  });

/**
 * Removes up to `limit` of the customer's rows of one table from the pool, as
 * the owner role (the only role with the relocation purge policy), with the
 * tenant and the relocating customer set for this transaction only.
 */
const purgeBatch = (sides: PromotionSides, table: CustomerTable, customerId: string, limit: number) => {
  const sql = sides.poolAdmin;
  const name = quoted(table.name);
  return sql.withTransaction(
    Effect.gen(function* () {
      yield* sql.unsafe(`SET LOCAL ROLE ${quoted(sides.poolOwnerRole)}`).unprepared;
      yield* sql`SELECT panops_set_tenant(${customerId}::uuid), set_config('panops.relocating_customer_id', ${customerId}, true)`;
      const [row] = yield* sql.unsafe<{ n: number }>(
        `WITH gone AS (
           DELETE FROM ${name} WHERE ctid IN (SELECT ctid FROM ${name} WHERE customer_id = $1::uuid LIMIT $2) RETURNING 1
         ) SELECT count(*)::int AS n FROM gone`,
        [customerId, limit],
      );
      return row?.n ?? 0;
    }),
  );
};
