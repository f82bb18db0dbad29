import { Effect, Layer } from 'effect';
import { TenantSql } from '../db/tenant-sql.js';
import { ensureConnectorRow } from './connector-rows.js';
import { ConnectorStatus } from './connector-status.js';
import { Transient } from './errors.js';

/**
 * Connector status in the customer's `connectors` table, through the
 * tenant-scoped service. Jobs carry the platform in their context; the status
 * calls only know the connector's name, so they match on name across platforms.
 */
export const sqlConnectorStatusLayer: Layer.Layer<ConnectorStatus, never, TenantSql> = Layer.effect(
  ConnectorStatus,
  Effect.gen(function* () {
    const tenant = yield* TenantSql;
    const sql = tenant.sql;
    const asTransient = (error: { _tag: string; message: string }) =>
      new Transient({ source: 'database', detail: `${error._tag}: ${error.message}` });

    return ConnectorStatus.of({
      markNeedsReauthorization: Effect.fn('ConnectorStatus.markNeedsReauthorization')(function* (
        customerId: string,
        connectorId: string,
        detail: string,
      ) {
        yield* tenant
          .withCustomer(
            customerId,
            sql`UPDATE connectors SET state = 'needs_reauthorization', state_detail = ${detail.slice(0, 1000)}, updated_at = now()
                WHERE customer_id = ${customerId} AND name = ${connectorId}`,
          )
          .pipe(Effect.mapError(asTransient));
      }),
      markSynced: Effect.fn('ConnectorStatus.markSynced')(function* (customerId: string, connectorId: string) {
        yield* tenant
          .withCustomer(
            customerId,
            sql`UPDATE connectors SET last_synced_at = now(), updated_at = now(),
                  state = CASE WHEN state = 'failed' THEN 'active' ELSE state END
                WHERE customer_id = ${customerId} AND name = ${connectorId}`,
          )
          .pipe(Effect.mapError(asTransient));
      }),
    });
  }),
);

/** Registers a connector row ahead of its first job (the CLI and provisioning do this). */
export const registerConnector = (customerId: string, platform: string, name: string) =>
  Effect.gen(function* () {
    const tenant = yield* TenantSql;
    return yield* tenant.withCustomer(customerId, ensureConnectorRow(tenant.sql, customerId, platform, name));
  });
