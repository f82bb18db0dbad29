/**
 * `npx projen promote -- --customer <slug or id> [--dry-run] [--batch-size N]`:
 * moves one pooled customer to its freshly deployed dedicated database
 * (src/services/promotion/promote.ts). Resumable: run it again after an
 * interruption. Exit 0: promoted, planned or nothing to do; 2: failed (the
 * message says at which step; the customer stays on the pool, frozen, until
 * a re-run completes).
 *
 * Environment (read through `promotionSettingsConfig`, src/services/promotion/settings.ts):
 *   PANOPS_POOLED_DATABASE_URL     pooled cluster, as the application role
 *   PANOPS_POOLED_ADMIN_URL        pooled cluster, as its administrator (the purge)
 *   PANOPS_POOLED_OWNER_ROLE       owner role of the migrations (default panops_owner)
 *   PANOPS_DEDICATED_DATABASE_URL  the customer's new database, as the application role
 *   PANOPS_POOLED_ARCHIVE          s3://<pooled archive bucket>, or a folder (local runs)
 *   PANOPS_DEDICATED_ARCHIVE       s3://<the customer's archive bucket>, or a folder (local runs)
 *   PANOPS_DEDICATED_ARCHIVE_KEY   the customer key's ARN: every copied object is encrypted with it
 *   PANOPS_ROUTES_FILE             route store (default .local/routes.json)
 *   PANOPS_PROMOTION_JOURNAL       journal folder (default .local/promotions)
 */
import { parseArgs } from 'node:util';
import { Effect, Layer, ManagedRuntime, type Redacted } from 'effect';
import { SqlClient } from 'effect/sql';
import { blueprintDir, runCli } from '../../common/cli-runner.js';
import { loadBlueprint } from '../../config/index.js';
import { postgresDatabaseLayer } from '../db/postgres.js';
import { fileRoutesLayer, seedRoutes } from '../db/routing-table.js';
import { TenantSql } from '../db/tenant-sql.js';
import { type ArchiveSide, localArchiveSide } from './archive.js';
import { s3ArchiveSide } from './archive-s3.js';
import { PromotionRefusedError } from './errors.js';
import { fileJournalLayer } from './journal.js';
import { promoteCustomer } from './promote.js';
import { formatEvent, formatResult } from './report.js';
import { promotionSettingsConfig } from './settings.js';

const { values } = parseArgs({
  options: {
    customer: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'batch-size': { type: 'string', default: '500' },
  },
});

/** `s3://bucket` (with the process's credentials) or a local folder. */
const archiveSide = (location: string, kmsKeyId?: string): ArchiveSide =>
  location.startsWith('s3://')
    ? s3ArchiveSide({ bucket: location.slice('s3://'.length).replace(/\/$/, ''), ...(kmsKeyId ? { kmsKeyId } : {}) })
    : localArchiveSide(location);

const program = Effect.gen(function* () {
  const blueprint = loadBlueprint(blueprintDir());
  const wanted = values.customer;
  const customer = blueprint.customers.find((c) => c.slug === wanted || c.id.toLowerCase() === wanted?.toLowerCase());
  if (!customer)
    return yield* new PromotionRefusedError({
      customerId: wanted ?? '?',
      reason: 'name a customer of the blueprint (--customer <slug>)',
    });
  // After the customer check, so a wrong --customer is refused before anything is asked of the environment.
  const settings = yield* promotionSettingsConfig;
  const tenantOn = (url: Redacted.Redacted) =>
    ManagedRuntime.make(Layer.provideMerge(TenantSql.layer(), postgresDatabaseLayer({ url, maxConnections: 2 })));
  const pool = tenantOn(settings.pooled);
  const dedicated = tenantOn(settings.dedicated);
  const admin = ManagedRuntime.make(postgresDatabaseLayer({ url: settings.admin, maxConnections: 1 }));
  const services = Layer.merge(fileRoutesLayer(settings.routesFile), fileJournalLayer(settings.journalDir));
  const getTenant = Effect.gen(function* () {
    return yield* TenantSql;
  });
  const getSql = Effect.gen(function* () {
    return yield* SqlClient.SqlClient;
  });
  return yield* Effect.gen(function* () {
    // A customer never routed before gets its blueprint route; an existing route is kept.
    yield* seedRoutes(blueprint.customers);
    const result = yield* promoteCustomer(
      {
        pool: yield* Effect.promise(() => pool.runPromise(getTenant)),
        poolAdmin: yield* Effect.promise(() => admin.runPromise(getSql)),
        poolOwnerRole: settings.owner,
        dedicated: yield* Effect.promise(() => dedicated.runPromise(getTenant)),
        poolArchive: archiveSide(settings.poolArchive),
        dedicatedArchive: archiveSide(settings.dedicatedArchive, settings.dedicatedArchiveKey),
      },
      {
        customerId: customer.id,
        dryRun: values['dry-run'],
        batchSize: Number(values['batch-size']),
        onProgress: (event) => Effect.sync(() => console.log(formatEvent(event))),
      },
    );
    console.log(formatResult(result));
    return 0;
  }).pipe(
    Effect.provide(services),
    Effect.ensuring(Effect.promise(() => Promise.all([pool.dispose(), dedicated.dispose(), admin.dispose()]))),
  );
});

runCli(program as Effect.Effect<number, { readonly message: string }>);
