/**
 * `chunk_terms` is derived data: after any insert, content update or delete of
 * chunks (directly or by the cascade from communications), it holds exactly
 * the lexemes of the tenant's chunks — the statement triggers of
 * sql/0013_chunk_terms_per_statement.sql, on PGlite and the PostgreSQL server,
 * as the application role under forced RLS.
 */
import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import { TenantSql } from '../../src/services/db/index.js';
import { openPgliteTestDatabase, openServerDatabase, type TestDatabase } from '../support/database.js';
import { useTenantDatabase } from '../support/tenant-database.js';
import { createCustomer, customerId, insertCommunication } from './isolation-suite.js';

const A = customerId(0xc1);
const B = customerId(0xc2);

/** The rows of chunk_terms that differ from the lexemes of the tenant's chunks (both directions). */
const drift = (tenant: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    return yield* db.withCustomer(
      tenant,
      db.sql<{ side: string; term: string }>`
        WITH expected AS (
          SELECT c.customer_id, lexeme AS term, c.id AS chunk_id
          FROM chunks c, unnest(tsvector_to_array(c.search_vector)) AS lexeme)
        SELECT 'missing' AS side, term FROM (SELECT * FROM expected EXCEPT SELECT * FROM chunk_terms) m
        UNION ALL
        SELECT 'extra' AS side, term FROM (SELECT * FROM chunk_terms EXCEPT SELECT * FROM expected) x`,
    );
  });

const termsOf = (tenant: string, term: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    const rows = yield* db.withCustomer(
      tenant,
      db.sql<{ n: number }>`SELECT count(*)::int AS n FROM chunk_terms WHERE term = ${term}`,
    );
    return rows[0]?.n ?? 0;
  });

/** Two chunks for the communication `externalId`, written in one multi-row INSERT as the indexer does. */
const chunkCommunication = (tenant: string, externalId: string, texts: readonly [string, string]) =>
  Effect.gen(function* () {
    yield* insertCommunication(tenant, externalId);
    const db = yield* TenantSql;
    yield* db.withCustomer(
      tenant,
      db.sql`
        INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content)
        SELECT ${tenant}, c.id, 'communication', t.idx, t.content
        FROM communications c,
             jsonb_to_recordset(${JSON.stringify(texts.map((content, idx) => ({ idx, content })))}::jsonb)
               AS t(idx int, content text)
        WHERE c.external_id = ${externalId}
        ON CONFLICT DO NOTHING`,
    );
  });

const describeChunkTerms = (label: string, open: () => Promise<TestDatabase>) =>
  describe(`chunk_terms follow chunks on ${label}`, () => {
    const { run } = useTenantDatabase(open, async (run) => {
      await run(Effect.all([createCustomer(A), createCustomer(B)]));
      await run(chunkCommunication(A, 'a-1', ['Quarterly merger review', 'Auditors sign the ledger']));
      await run(chunkCommunication(B, 'b-1', ['Merger rumours in the lobby', 'Nothing else']));
    });

    it('a multi-row insert indexes every lexeme of every new chunk, in its own tenant only', async () => {
      expect(await run(drift(A))).toEqual([]);
      expect(await run(drift(B))).toEqual([]);
      expect(await run(termsOf(A, 'merger'))).toBe(1);
      expect(await run(termsOf(A, 'ledger'))).toBe(1);
      expect(await run(termsOf(B, 'ledger'))).toBe(0);
    });

    it('a repeated insert skipped by ON CONFLICT adds no terms', async () => {
      await run(chunkCommunication(A, 'a-1', ['Quarterly merger review', 'Auditors sign the ledger']));
      expect(await run(termsOf(A, 'merger'))).toBe(1);
      expect(await run(drift(A))).toEqual([]);
    });

    it('a content update replaces the old terms with the new ones', async () => {
      await run(
        Effect.gen(function* () {
          const t = yield* TenantSql;
          yield* t.withCustomer(
            A,
            t.sql`UPDATE chunks SET content = 'Dividend schedule' WHERE content = 'Auditors sign the ledger'`,
          );
        }),
      );
      expect(await run(termsOf(A, 'ledger'))).toBe(0);
      expect(await run(termsOf(A, 'dividend'))).toBe(1);
      expect(await run(drift(A))).toEqual([]);
    });

    it("deleting a communication removes its chunks' terms through the cascade, and no other tenant's", async () => {
      await run(chunkCommunication(A, 'a-2', ['Merger closing memo', 'Board minutes']));
      expect(await run(termsOf(A, 'merger'))).toBe(2);
      await run(
        Effect.gen(function* () {
          const t = yield* TenantSql;
          yield* t.withCustomer(A, t.sql`DELETE FROM communications WHERE external_id = 'a-1'`);
        }),
      );
      expect(await run(termsOf(A, 'merger'))).toBe(1);
      expect(await run(termsOf(A, 'dividend'))).toBe(0);
      expect(await run(drift(A))).toEqual([]);
      expect(await run(termsOf(B, 'merger'))).toBe(1);
      expect(await run(drift(B))).toEqual([]);
    });
  });

describeChunkTerms('PGlite', () => openPgliteTestDatabase());
describeChunkTerms('the PostgreSQL 15 server', () => openServerDatabase({ maxConnections: 2 }));
