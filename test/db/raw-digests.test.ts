/**
 * `raw_digests` (sql/0016) is derived data: after any insert, update or
 * delete of communications it holds exactly (customer, platform, raw_sha256,
 * id) of the tenant's communications that have a digest, under forced RLS
 * like every customer table. On the server, with statistics that know
 * nothing of the tenant, ingest's page lookup probes its primary key once per
 * digest instead of scanning the tenant's communications (the O(n²) backfill
 * redelivery of #20).
 */
import { createHash, randomUUID } from 'node:crypto';
import { Effect } from 'effect';
import { SqlClient } from 'effect/sql';
import { describe, expect, it } from 'vitest';
import { migrate, readMigrationSources, TenantSql } from '../../src/services/db/index.js';
import { storedDigestsQuery } from '../../src/services/pipeline/ingest-sql.js';
import { openPgliteTestDatabase, openServerDatabase, type TestDatabase } from '../support/database.js';
import { useTenantDatabase } from '../support/tenant-database.js';
import { createCustomer, customerId } from './isolation-suite.js';

const A = customerId(0xd1);
const B = customerId(0xd2);
const digestOf = (text: string) => createHash('sha256').update(text).digest('hex');

/** Communications with a raw digest each, written in one multi-row INSERT as ingest does. */
const storeRaw = (tenant: string, platform: string, externalIds: readonly string[]) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    yield* db.withCustomer(
      tenant,
      db.sql`
        INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, raw_sha256)
        SELECT ${tenant}, ${platform}, r.external_id, 'email', now(), r.raw_sha256
        FROM jsonb_to_recordset(${JSON.stringify(externalIds.map((id) => ({ external_id: id, raw_sha256: digestOf(id) })))}::jsonb)
          AS r(external_id text, raw_sha256 text)
        ON CONFLICT (customer_id, platform, external_id) DO NOTHING`,
    );
  });

/** Rows of raw_digests that differ from the tenant's communications (both directions). */
const drift = (tenant: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    return yield* db.withCustomer(
      tenant,
      db.sql<{ side: string; raw_sha256: string }>`
        WITH expected AS (
          SELECT customer_id, platform, raw_sha256, id AS communication_id FROM communications
          WHERE raw_sha256 IS NOT NULL)
        SELECT 'missing' AS side, raw_sha256 FROM (SELECT * FROM expected EXCEPT SELECT * FROM raw_digests) m
        UNION ALL
        SELECT 'extra' AS side, raw_sha256 FROM (SELECT * FROM raw_digests EXCEPT SELECT * FROM expected) x`,
    );
  });

/** What ingest's page lookup answers for `tenant`: the digests it knows. */
const known = (tenant: string, platform: string, digests: readonly string[]) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    const rows = yield* db.withCustomer(
      tenant,
      storedDigestsQuery(db.sql, { customerId: tenant, platform, connectorId: 'test' }, digests),
    );
    return rows.map((r) => r.raw_sha256).sort();
  });

const asTenant = (tenant: string, text: string, params: unknown[] = []) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    return yield* db.withCustomer(tenant, db.sql.unsafe<Record<string, unknown>>(text, params));
  });

const describeRawDigests = (label: string, open: () => Promise<TestDatabase>) =>
  describe(`raw_digests follow communications on ${label}`, () => {
    const { run } = useTenantDatabase(open, async (run) => {
      await run(Effect.all([createCustomer(A), createCustomer(B)]));
      await run(storeRaw(A, 'gmail', ['a-1', 'a-2', 'a-3']));
    });

    it("records every inserted communication's digest; a redelivery skipped by ON CONFLICT adds none", async () => {
      expect(await run(drift(A))).toEqual([]);
      await run(storeRaw(A, 'gmail', ['a-1', 'a-2', 'a-3']));
      const rows = await run(asTenant(A, 'SELECT count(*)::int AS n FROM raw_digests'));
      expect(rows[0]?.n).toBe(3);
      expect(await run(known(A, 'gmail', [digestOf('a-1'), digestOf('a-9')]))).toEqual([digestOf('a-1')]);
      // The lookup is per platform, as the natural key is.
      expect(await run(known(A, 'slack', [digestOf('a-1')]))).toEqual([]);
    });

    it("a tenant neither sees nor writes nor removes another tenant's digests; the same bytes are its own row", async () => {
      expect(await run(known(B, 'gmail', [digestOf('a-1')]))).toEqual([]);
      expect(await run(asTenant(B, 'SELECT count(*)::int AS n FROM raw_digests'))).toEqual([{ n: 0 }]);
      const forged = await run(
        Effect.flip(
          asTenant(
            B,
            `INSERT INTO raw_digests (customer_id, platform, raw_sha256, communication_id) VALUES ($1, 'gmail', $2, $3)`,
            [A, digestOf('forged'), randomUUID()],
          ),
        ),
      );
      expect(forged._tag).toBe('TenantIsolationError');
      expect(await run(drift(A))).toEqual([]);

      await run(storeRaw(B, 'gmail', ['a-1']));
      expect(await run(known(B, 'gmail', [digestOf('a-1')]))).toEqual([digestOf('a-1')]);
      expect(await run(drift(B))).toEqual([]);
      expect(await run(asTenant(A, 'SELECT count(*)::int AS n FROM raw_digests'))).toEqual([{ n: 3 }]);
    });

    it("the application role cannot write a digest, even its own tenant's: a forged one would make ingest skip a message", async () => {
      const forged = await run(
        Effect.flip(
          asTenant(
            A,
            `INSERT INTO raw_digests (customer_id, platform, raw_sha256, communication_id) VALUES ($1, 'gmail', $2, $3)`,
            [A, digestOf('never-stored'), randomUUID()],
          ),
        ),
      );
      expect(String(forged)).toMatch(/permission denied/);
      const removed = await run(Effect.flip(asTenant(A, 'DELETE FROM raw_digests RETURNING 1')));
      expect(String(removed)).toMatch(/permission denied/);
      expect(await run(known(A, 'gmail', [digestOf('never-stored')]))).toEqual([]);
      expect(await run(drift(A))).toEqual([]);
    });

    it('a deleted communication takes its digest with it, and a changed digest moves', async () => {
      await run(asTenant(A, `DELETE FROM communications WHERE external_id = 'a-2'`));
      expect(await run(known(A, 'gmail', [digestOf('a-2')]))).toEqual([]);
      await run(asTenant(A, `UPDATE communications SET raw_sha256 = $1 WHERE external_id = 'a-3'`, [digestOf('a-3b')]));
      expect(await run(known(A, 'gmail', [digestOf('a-3'), digestOf('a-3b')]))).toEqual([digestOf('a-3b')]);
      expect(await run(drift(A))).toEqual([]);
      expect(await run(drift(B))).toEqual([]);
    });
  });

describeRawDigests('PGlite', () => openPgliteTestDatabase());
describeRawDigests('the PostgreSQL 15 server', () => openServerDatabase({ maxConnections: 2 }));

describe('the page lookup on the PostgreSQL 15 server', () => {
  const { run } = useTenantDatabase(() => openServerDatabase({ maxConnections: 2 }));

  it('probes the primary key once per digest for a tenant the statistics do not know, not a scan of its rows', async () => {
    const C = customerId(0xd3);
    await run(createCustomer(C));
    // 4,000 stored messages and no ANALYZE since: what a backfill's redelivery meets.
    const ids = Array.from({ length: 4000 }, (_, i) => `c-${i}`);
    await run(storeRaw(C, 'import', ids));
    const page = ids.slice(0, 500).map(digestOf);
    const plan = await run(
      Effect.gen(function* () {
        const t = yield* TenantSql;
        const [text, params] = storedDigestsQuery(
          t.sql,
          { customerId: C, platform: 'import', connectorId: 'test' },
          page,
        ).compile();
        return yield* t.withCustomer(
          C,
          t.sql.unsafe<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, [...params]),
        );
      }),
    );
    const nodes: Array<Record<string, unknown>> = [];
    const walk = (node: Record<string, unknown>) => {
      nodes.push(node);
      for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
    };
    const document = plan[0]?.['QUERY PLAN'];
    walk(
      ((typeof document === 'string' ? JSON.parse(document) : document) as Array<{ Plan: Record<string, unknown> }>)[0]
        ?.Plan ?? {},
    );
    const probe = nodes.find((n) => n['Relation Name'] === 'raw_digests');
    expect(probe?.['Index Name']).toBe('raw_digests_pkey');
    expect(String(probe?.['Index Cond'])).toContain('raw_sha256 = page.digest');
    expect(probe?.['Actual Loops']).toBe(500);
    // Each probe finds its one row: nothing of the tenant's 4,000 is read and thrown away.
    expect(probe?.['Actual Rows']).toBe(1);
    expect(nodes.some((n) => n['Relation Name'] === 'communications')).toBe(false);
  });
});

describe('sql/0016 on a database that already holds communications (PostgreSQL 15 server)', () => {
  // The schema as it stood before 0016, with two tenants' mail in it.
  const { run, database } = useTenantDatabase(
    () => openServerDatabase({ maxConnections: 2, migrations: readMigrationSources().filter((m) => m.name < '0016') }),
    async (run) => {
      await run(Effect.all([createCustomer(A), createCustomer(B)]));
      await run(storeRaw(A, 'gmail', ['old-a-1', 'old-a-2']));
      await run(storeRaw(B, 'slack', ['old-b-1']));
    },
  );

  it("fills raw_digests with every tenant's stored digests and leaves RLS forced on both tables", async () => {
    const db = database();
    const admin = db.adminLayer;
    if (!admin) throw new Error('a server database has an administrator layer');
    const onAdmin = <X>(effect: Effect.Effect<X, unknown, SqlClient.SqlClient>) =>
      Effect.runPromise(effect.pipe(Effect.provide(admin), Effect.scoped) as Effect.Effect<X>);
    const report = await onAdmin(migrate({ ownerRole: db.ownerRole, appRole: db.appRole }));
    expect(report.applied).toEqual(['0016_raw_digests.sql']);

    expect(await run(drift(A))).toEqual([]);
    expect(await run(drift(B))).toEqual([]);
    expect(await run(known(A, 'gmail', [digestOf('old-a-1'), digestOf('old-b-1')]))).toEqual([digestOf('old-a-1')]);
    expect(await run(known(B, 'slack', [digestOf('old-b-1')]))).toEqual([digestOf('old-b-1')]);
    const forced = await onAdmin(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ relname: string; forced: boolean }>`
          SELECT relname, relforcerowsecurity AS forced FROM pg_class
          WHERE relname IN ('communications', 'raw_digests') ORDER BY relname`,
      ),
    );
    expect(forced).toEqual([
      { relname: 'communications', forced: true },
      { relname: 'raw_digests', forced: true },
    ]);
  });
});
