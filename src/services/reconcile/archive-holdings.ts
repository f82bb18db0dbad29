import { Effect } from 'effect';
import { TenantSql } from '../db/tenant-sql.js';
import type { ArchiveDay } from './reconcile.js';

/**
 * What the archive holds since a date, per connector and UTC day of the
 * message: the keys of every stored version, read as the customer (RLS).
 */
export const archiveHoldings = (customerId: string, since: Date) =>
  Effect.gen(function* () {
    const tenant = yield* TenantSql;
    const rows = yield* tenant.withCustomer(
      customerId,
      tenant.sql<{ platform: string; connector: string; day: string; external_id: string }>`
        SELECT c.platform, k.name AS connector,
               to_char(c.sent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, c.external_id
          FROM communications c
          JOIN connectors k ON k.customer_id = c.customer_id AND k.id = c.connector_id
         WHERE c.customer_id = ${customerId} AND c.sent_at >= ${since}`,
    );
    const days = new Map<string, { platform: string; connectorId: string; day: string; ids: string[] }>();
    for (const row of rows) {
      const key = `${row.platform}\u0000${row.connector}\u0000${row.day}`;
      const day = days.get(key) ?? { platform: row.platform, connectorId: row.connector, day: row.day, ids: [] };
      day.ids.push(row.external_id);
      days.set(key, day);
    }
    return [...days.values()] satisfies ArchiveDay[];
  });
