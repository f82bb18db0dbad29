import { userInfo } from 'node:os';
import { Effect } from 'effect';
import { TenantSql } from '../services/db/tenant-sql.js';

export interface TextHit {
  readonly id: string;
  readonly sentAt: Date;
  readonly platform: string;
  readonly sender: string | null;
  readonly subject: string | null;
  readonly snippet: string;
}

/**
 * Full-text search over a customer's communications, as that customer (RLS),
 * with an audit row for the search in the same transaction. A tenant's rows
 * are scanned (full-text `@@` is not leakproof, so no index can serve it
 * under RLS); fine for a laptop. The hybrid chunk search (src/services/search)
 * is the indexed one.
 */
export const searchCommunications = (customerId: string, query: string, limit = 10) =>
  Effect.gen(function* () {
    const tenant = yield* TenantSql;
    const sql = tenant.sql;
    return yield* tenant.withCustomer(
      customerId,
      Effect.gen(function* () {
        const hits = yield* sql<TextHit>`
          SELECT c.id, c.sent_at AS "sentAt", c.platform, c.sender, c.subject,
                 ts_headline('english', coalesce(c.body_text, ''), q, 'MaxFragments=1, MaxWords=20, MinWords=8') AS snippet
          FROM communications c, websearch_to_tsquery('english', ${query}) q
          WHERE to_tsvector('english', coalesce(c.subject, '') || ' ' || coalesce(c.body_text, '')) @@ q
          ORDER BY ts_rank(to_tsvector('english', coalesce(c.subject, '') || ' ' || coalesce(c.body_text, '')), q) DESC, c.sent_at DESC
          LIMIT ${limit}`;
        yield* sql`
          INSERT INTO audit_log (customer_id, actor, action, target_kind, query, details)
          VALUES (${customerId}, ${`cli:${userInfo().username}`}, 'search', 'communications', ${query},
                  ${JSON.stringify({ hits: hits.map((h) => h.id) })})`;
        return hits;
      }),
    );
  });
