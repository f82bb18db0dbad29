import { Effect, Layer } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';
import { ConnectorStatus } from '../../../src/services/pipeline/connector-status.js';
import { registerConnector, sqlConnectorStatusLayer } from '../../../src/services/pipeline/connector-status-sql.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { createCustomer, queryAs } from './support/harness.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

const run = <A, E>(effect: Effect.Effect<A, E, ConnectorStatus | TenantSql>) => {
  const tenant = TenantSql.layer({ retries: 0 }).pipe(Layer.provide(db.appLayer));
  return Effect.runPromise(
    effect.pipe(Effect.provide(Layer.mergeAll(sqlConnectorStatusLayer.pipe(Layer.provide(tenant)), tenant))),
  );
};

const stateOf = async (customerId: string) =>
  queryAs<{ state: string; state_detail: string | null; synced: boolean }>(
    db,
    customerId,
    "SELECT state, state_detail, last_synced_at IS NOT NULL AS synced FROM connectors WHERE name = 'gmail-main'",
  );

describe('connector status in the customer database', () => {
  it('marks a refused connector for re-authorization with the reason, and a later sync records the time', async () => {
    const customerId = await createCustomer(db, 'status');
    const other = await createCustomer(db, 'status');
    await run(registerConnector(customerId, 'gmail', 'gmail-main'));
    await run(registerConnector(other, 'gmail', 'gmail-main'));
    await run(
      Effect.flatMap(ConnectorStatus, (s) => s.markNeedsReauthorization(customerId, 'gmail-main', 'invalid_grant')),
    );
    expect(await stateOf(customerId)).toEqual([
      { state: 'needs_reauthorization', state_detail: 'invalid_grant', synced: false },
    ]);
    // Another customer's connector of the same name is untouched (the update runs under the customer's RLS).
    expect((await stateOf(other))[0]?.state).not.toBe('needs_reauthorization');
    await run(Effect.flatMap(ConnectorStatus, (s) => s.markSynced(customerId, 'gmail-main')));
    expect((await stateOf(customerId))[0]?.synced).toBe(true);
  });
});
