import { Effect } from 'effect';
import type {
  RetentionStatus,
  RetentionStatusDisposition,
  RetentionStatusMatter,
  RetentionStatusPolicyScope,
} from '../../contracts/retention-status.js';
import { TenantSql } from '../db/tenant-sql.js';

/**
 * What a customer's database says of its retention (the evidence the
 * compliance report cannot read at synth): the policy in force per scope, the
 * open matters and what they hold, held communications past retention, and
 * the last disposition run that deleted something (its audit_log rows of
 * phase `rows` sharing the latest cutoff). Read as the application role under
 * the customer's tenant: it changes nothing.
 */
const iso = (value: unknown): string => new Date(value as string | Date).toISOString();

interface DispositionRow {
  readonly occurred_at: Date | string;
  readonly actor: string;
  readonly details: {
    readonly cutoff?: string;
    readonly batch?: number;
    readonly counts?: Record<string, number>;
    readonly ids_sha256?: string;
    readonly objects_released_to_lifecycle?: number;
  };
}

/** The run of the latest rows-phase disposition record: every rows-phase record with its cutoff and actor. */
export const lastDispositionOf = (rows: readonly DispositionRow[]): RetentionStatusDisposition | null => {
  const latest = rows[0];
  const cutoff = latest?.details.cutoff;
  if (!latest || cutoff === undefined) return null;
  const run = rows
    .filter((r) => r.details.cutoff === cutoff && r.actor === latest.actor)
    .sort((a, b) => (a.details.batch ?? 0) - (b.details.batch ?? 0));
  const deleted: Record<string, number> = {};
  for (const r of run)
    for (const [table, n] of Object.entries(r.details.counts ?? {})) deleted[table] = (deleted[table] ?? 0) + n;
  const times = run.map((r) => iso(r.occurred_at)).sort();
  return {
    cutoff,
    recordedFrom: times[0] ?? iso(latest.occurred_at),
    recordedTo: times[times.length - 1] ?? iso(latest.occurred_at),
    actor: latest.actor,
    batches: run.length,
    deleted,
    objectsReleasedToLifecycle: run.reduce((n, r) => n + (r.details.objects_released_to_lifecycle ?? 0), 0),
    idsSha256: run.map((r) => r.details.ids_sha256 ?? ''),
  };
};

export const retentionStatus = Effect.fn('Retention.status')(function* (
  customer: { readonly id: string; readonly slug: string },
  now: Date,
) {
  const tenant = yield* TenantSql;
  const sql = tenant.sql;
  const customerId = customer.id;
  return yield* tenant.withCustomer(
    customerId,
    Effect.gen(function* () {
      const policy = yield* sql<{
        platform: string;
        kind: string;
        retention_days: number;
        effective_from: Date | string;
      }>`
        SELECT DISTINCT ON (platform, kind) platform, kind, retention_days, effective_from
        FROM retention_policies WHERE customer_id = ${customerId}
        ORDER BY platform, kind, effective_from DESC, id`;
      const matters = yield* sql<{ matter: string; communications: number; since: Date | string }>`
        SELECT matter, count(*)::int AS communications, min(placed_at) AS since
        FROM legal_holds WHERE customer_id = ${customerId} GROUP BY matter ORDER BY matter`;
      const [held] = yield* sql<{
        communications: number;
        attachments: number;
        recordings: number;
        past_retention: number;
      }>`
        SELECT
          (SELECT count(*)::int FROM communications WHERE customer_id = ${customerId} AND legal_hold) AS communications,
          (SELECT count(*)::int FROM attachments a JOIN communications c
             ON c.customer_id = a.customer_id AND c.id = a.communication_id
           WHERE a.customer_id = ${customerId} AND c.legal_hold) AS attachments,
          (SELECT count(*)::int FROM recordings r JOIN communications c
             ON c.customer_id = r.customer_id AND c.id = r.communication_id
           WHERE r.customer_id = ${customerId} AND c.legal_hold) AS recordings,
          (SELECT count(*)::int FROM communications
           WHERE customer_id = ${customerId} AND legal_hold AND retention_until < ${now}) AS past_retention`;
      // The latest run's batches: at most maxBatches (100 by default) rows-phase records share its cutoff.
      const dispositions = yield* sql<DispositionRow>`
        SELECT occurred_at, actor, details FROM audit_log
        WHERE customer_id = ${customerId} AND action = 'disposition' AND details ->> 'phase' = 'rows'
        ORDER BY occurred_at DESC, id LIMIT 1000`;
      return {
        customerId,
        customerSlug: customer.slug,
        generatedAt: now.toISOString(),
        policyInDatabase: policy.map(
          (p): RetentionStatusPolicyScope => ({
            platform: p.platform,
            kind: p.kind,
            retentionDays: p.retention_days,
            effectiveFrom: iso(p.effective_from),
          }),
        ),
        openMatters: matters.map(
          (m): RetentionStatusMatter => ({ matter: m.matter, communications: m.communications, since: iso(m.since) }),
        ),
        held: {
          communications: held?.communications ?? 0,
          attachments: held?.attachments ?? 0,
          recordings: held?.recordings ?? 0,
        },
        heldPastRetention: held?.past_retention ?? 0,
        lastDisposition: lastDispositionOf(dispositions),
      } satisfies RetentionStatus;
    }),
  );
});

/** The status in a few lines, for the terminal. */
export const formatRetentionStatus = (s: RetentionStatus): string =>
  [
    `Retention of ${s.customerSlug} (${s.generatedAt}): policy in the database ${
      s.policyInDatabase.map((p) => `${p.platform}/${p.kind} ${p.retentionDays} d`).join(', ') || 'none recorded'
    }.`,
    `  ${s.openMatters.length} open matter(s); held: ${s.held.communications} communication(s), ${s.held.attachments} attachment(s), ${s.held.recordings} recording(s); ${s.heldPastRetention} past retention kept by a hold`,
    ...s.openMatters.map((m) => `  matter "${m.matter}": ${m.communications} communication(s) since ${m.since}`),
    s.lastDisposition
      ? `  last disposition: cutoff ${s.lastDisposition.cutoff} by ${s.lastDisposition.actor}, ${s.lastDisposition.batches} batch(es), ${Object.entries(
          s.lastDisposition.deleted,
        )
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}; ${s.lastDisposition.objectsReleasedToLifecycle} object(s) released to the lifecycle`
      : '  last disposition: none recorded (a run that deletes nothing writes no audit row)',
  ].join('\n');
