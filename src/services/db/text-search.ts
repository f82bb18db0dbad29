import type { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';
import type { SqlError } from 'effect/sql/SqlError';

/** A chunk that contains every lexeme of the query, best first. */
export interface TextSearchHit {
  readonly chunk_id: string;
  readonly communication_id: string;
  readonly recording_id: string | null;
  readonly content: string;
  readonly rank: number;
}

/**
 * Full-text search over the current tenant's chunks that stays indexed under
 * row-level security: candidate chunks come from the `chunk_terms` B-tree
 * (`customer_id = tenant AND term = ANY(lexemes)`, both leakproof index
 * conditions), then only those are ranked with `ts_rank`. A direct
 * `search_vector @@ query` would be a filter over every row of the tenant
 * (TOOLCHAIN-NOTES.md, cliff 3). Run it inside `TenantSql.withCustomer`.
 *
 * The query is parsed like the content (`english` configuration): every
 * lexeme must occur (AND). An empty query (only stop words) finds nothing.
 */
export const searchChunksByText = (
  sql: SqlClient.SqlClient,
  query: string,
  limit = 20,
): Effect.Effect<ReadonlyArray<TextSearchHit>, SqlError> =>
  sql<TextSearchHit>`
    SELECT c.id AS chunk_id, c.communication_id, c.recording_id, c.content,
           ts_rank(c.search_vector, plainto_tsquery('english', ${query}))::float8 AS rank
    FROM (
      SELECT t.customer_id, t.chunk_id
      FROM chunk_terms t
      WHERE t.term = ANY (ARRAY(SELECT unnest(tsvector_to_array(to_tsvector('english', ${query})))))
      GROUP BY t.customer_id, t.chunk_id
      HAVING count(*) = (SELECT cardinality(tsvector_to_array(to_tsvector('english', ${query}))))
    ) AS matched
    JOIN chunks c ON c.customer_id = matched.customer_id AND c.id = matched.chunk_id
    ORDER BY rank DESC, c.id
    LIMIT ${limit}`;
