import { join, resolve } from 'node:path';
import { Effect, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import { ArchiveObjectRetention } from '../services/archive/object-retention.js';
import { localObjectRetentionLayer } from '../services/archive/object-retention-local.js';
import { postgresDatabaseLayer } from '../services/db/postgres.js';
import { TenantSql } from '../services/db/tenant-sql.js';
import { type DispositionReport, disposeExpired } from '../services/retention/disposition.js';
import { asOwner, idsMatching, objectKeysOf, placeHold, releaseHold } from '../services/retention/holds.js';
import { retentionStatus } from '../services/retention/status.js';
import type { LocalPipeline } from './local-pipeline.js';

/**
 * `panops hold` / `release` / `dispose` on the local runtime: the rows in
 * PGlite (or a server), the objects in `<home>/archive`. A release runs as the
 * owner role: on PGlite through its bootstrap superuser, on a server through
 * `ownerDatabaseUrl` (an administrator who may `SET ROLE` to the owner).
 */
export interface HoldTarget {
  readonly customerId: string;
  readonly matter: string;
  readonly ids?: readonly string[];
  readonly query?: string;
  readonly actor: string;
  readonly reason: string;
}

const objectsLayer = (home: string) => localObjectRetentionLayer(join(resolve(home), 'archive'));

const withTenant = <A, E>(
  pipeline: LocalPipeline,
  home: string,
  effect: Effect.Effect<A, E, TenantSql | ArchiveObjectRetention>,
) => Effect.promise(() => pipeline.runtime.runPromise(effect.pipe(Effect.provide(objectsLayer(home)))));

/** Places the matter's hold on the rows, then on every object they name. */
export const holdCommand = (pipeline: LocalPipeline, home: string, target: HoldTarget) =>
  withTenant(
    pipeline,
    home,
    Effect.gen(function* () {
      const tenant = yield* TenantSql;
      const ids =
        target.ids ??
        (yield* tenant.withCustomer(target.customerId, idsMatching(tenant.sql, target.customerId, target.query ?? '')));
      if (ids.length === 0) return `No communication matches; nothing held for matter "${target.matter}".`;
      const placed = yield* placeHold({ ...target, ids });
      const keys = yield* tenant.withCustomer(
        target.customerId,
        objectKeysOf(tenant.sql, target.customerId, placed.held, true),
      );
      const objects = yield* (yield* ArchiveObjectRetention).hold(target.customerId, keys);
      return [
        `Matter "${target.matter}": ${placed.held.length} communication(s) held (${placed.placed.length} newly by this matter), ${objects.done.length} archive object(s) held.`,
        ...placed.held.map((id) => `  held ${id}`),
      ].join('\n');
    }),
  );

/** Lifts the matter (as the owner), then the hold of every object no held record still names. */
export const releaseCommand = (
  pipeline: LocalPipeline,
  home: string,
  target: HoldTarget,
  owner: { readonly role: string; readonly databaseUrl?: string },
) =>
  Effect.gen(function* () {
    const request = { ...target, ids: target.ids };
    const release = asOwner(owner.role, releaseHold(request), { fromPgliteSession: owner.databaseUrl === undefined });
    const released = owner.databaseUrl
      ? yield* Effect.promise(() => {
          const admin = ManagedRuntime.make(
            postgresDatabaseLayer({ url: owner.databaseUrl as string, maxConnections: 1 }),
          );
          return admin
            .runPromise(release as Effect.Effect<Effect.Success<typeof release>, unknown, SqlClient.SqlClient>)
            .finally(() => admin.dispose());
        })
      : yield* Effect.promise(() =>
          pipeline.runtime.runPromise(
            Effect.gen(function* () {
              const tenant = yield* TenantSql;
              return yield* release.pipe(Effect.provide(Layer.succeed(SqlClient.SqlClient, tenant.sql)));
            }),
          ),
        );
    const objects = yield* withTenant(
      pipeline,
      home,
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        const keys = yield* tenant.withCustomer(
          target.customerId,
          objectKeysOf(tenant.sql, target.customerId, released.lifted, false),
        );
        return yield* (yield* ArchiveObjectRetention).release(target.customerId, keys);
      }),
    );
    return [
      `Matter "${target.matter}" released from ${released.released.length} communication(s): ${released.lifted.length} no longer held, ${released.stillHeld.length} still held by another matter; ${objects.done.length} archive object(s) released.`,
      ...released.stillHeld.map((id) => `  still held ${id}`),
    ].join('\n');
  });

export const formatDisposition = (report: DispositionReport): string =>
  [
    report.dryRun
      ? `Dry run: ${report.ids.length} communication(s) past retention would be deleted, ${report.objects.length} archive object(s) released to the lifecycle.`
      : `Disposed of ${report.ids.length} communication(s) in ${report.batches} batch(es) (${Object.entries(
          report.deleted,
        )
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}); ${report.objects.length} archive object(s) released to the lifecycle.`,
    `  ids sha256 ${report.idsSha256}${report.sentRange ? `, sent ${report.sentRange[0]} .. ${report.sentRange[1]}` : ''}`,
    `  ${report.heldPastRetention} communication(s) past retention kept by a legal hold`,
    ...(report.dryRun ? report.ids.map((id) => `  would delete ${id}`) : []),
    ...report.objectsRefused.map((r) => `  kept object ${r.key}: ${r.reason}`),
  ].join('\n');

export const disposeCommand = (
  pipeline: LocalPipeline,
  home: string,
  request: { customerId: string; now: Date; actor: string; dryRun: boolean; batchSize: number },
) => Effect.map(withTenant(pipeline, home, disposeExpired(request)), formatDisposition);

/** Reads the customer's retention status (policy in force, open matters, held counts, last disposition run). */
export const retentionStatusCommand = (
  pipeline: LocalPipeline,
  customer: { readonly id: string; readonly slug: string },
) => Effect.promise(() => pipeline.runtime.runPromise(retentionStatus(customer, new Date())));
