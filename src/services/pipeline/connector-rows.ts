import { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';

/**
 * The `connectors` row of a configured connector, created on first use. Jobs
 * name connectors by their blueprint id (`gmail`, `m365-mail`); the row keeps
 * that id as `name` under the platform. Must run inside `withCustomer`.
 */
export const ensureConnectorRow = (sql: SqlClient.SqlClient, customerId: string, platform: string, name: string) =>
  Effect.gen(function* () {
    const inserted = yield* sql<{ id: string }>`
      INSERT INTO connectors (customer_id, platform, name)
      VALUES (${customerId}, ${platform}, ${name})
      ON CONFLICT (customer_id, platform, name) DO NOTHING
      RETURNING id`;
    if (inserted[0]) return inserted[0].id;
    const existing = yield* sql<{ id: string }>`
      SELECT id FROM connectors WHERE customer_id = ${customerId} AND platform = ${platform} AND name = ${name}`;
    return (existing[0] as { id: string }).id;
  });
