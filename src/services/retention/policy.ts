import { Effect } from 'effect';
import { TenantSql } from '../db/tenant-sql.js';

/** A customer's retention as the blueprint states it: a default and optional per-kind overrides. */
export interface RetentionPolicy {
  readonly customerId: string;
  readonly retentionDays: number;
  /** Days per communication kind (email, chat, call, meeting, sms, voice) where the blueprint sets one. */
  readonly retentionByKind?: Readonly<Record<string, number>>;
}

/**
 * Records the policy in the customer's database (sql/0014
 * `panops_record_retention_policy`): a scope whose days changed gets a new
 * row, effective from now, and an audit row; an unchanged scope is a no-op.
 * Rows ingested afterwards take their `retention_until` from it; rows
 * already stored keep theirs (the change applies forward). Returns the
 * scopes that changed.
 */
export const recordRetentionPolicy = Effect.fn('Retention.recordPolicy')(function* (
  policy: RetentionPolicy,
  actor: string,
) {
  const tenant = yield* TenantSql;
  const scopes: [string, number][] = [['*', policy.retentionDays], ...Object.entries(policy.retentionByKind ?? {})];
  return yield* tenant.withCustomer(
    policy.customerId,
    Effect.forEach(scopes, ([kind, days]) =>
      Effect.map(
        tenant.sql<{ changed: boolean }>`
          SELECT panops_record_retention_policy(${policy.customerId}::uuid, '*', ${kind}, ${days}::int, ${actor}) AS changed`,
        (rows) => (rows[0]?.changed ? [kind] : []),
      ),
    ).pipe(Effect.map((changed) => changed.flat())),
  );
});
