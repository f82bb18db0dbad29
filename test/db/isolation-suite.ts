/**
 * The tenant-isolation suite, run on every database kind (PGlite with the
 * full schema, the PostgreSQL server). Each file calls `describeIsolation`
 * with its own way of opening a database.
 */

import { Effect, Layer, ManagedRuntime } from 'effect';
import { SqlClient } from 'effect/sql';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTenantSql, TenantSql } from '../../src/services/db/index.js';
import { postgresDetails } from '../../src/services/db/sql-error.js';
import type { TestDatabase } from '../support/database.js';

type Runtime = ManagedRuntime.ManagedRuntime<TenantSql | SqlClient.SqlClient, unknown>;

export const customerId = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** Inserts the customer row as that customer (onboarding runs under its own tenant too). */
export const createCustomer = (id: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    yield* db.withCustomer(
      id,
      db.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${id}, ${`c-${id.slice(-12)}`}, 'Test') ON CONFLICT DO NOTHING`,
    );
  });

export const insertCommunication = (id: string, externalId: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    return yield* db.withCustomer(
      id,
      db.sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, body_text)
             VALUES (${id}, 'gmail', ${externalId}, 'email', now(), ${`body of ${externalId}`})
             ON CONFLICT (customer_id, platform, external_id) DO NOTHING`,
    );
  });

const externalIdsOf = (id: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    const rows = yield* db.withCustomer(
      id,
      db.sql<{ external_id: string; customer_id: string }>`SELECT external_id, customer_id FROM communications`,
    );
    return rows;
  });

/** What a database kind is expected to offer beyond the core schema. */
export interface SuiteOptions {
  /** pgvector present: `chunks.embedding` exists and semantic search stays within the tenant. */
  readonly vector: boolean;
  /** The server enforces statement_timeout (PGlite's WASM backend has no timer interrupts, so it does not). */
  readonly statementTimeout: boolean;
  /** An administrator connection exists (`adminLayer`) to act as the owner role. */
  readonly owner: boolean;
}

/** A unit vector of the default 384 dimensions pointing mostly along `axis`. */
const embeddingNear = (axis: number, tilt = 0): string => {
  const v = Array.from({ length: 384 }, () => 0);
  v[axis] = 1;
  v[(axis + 1) % 384] = tilt;
  return `[${v.join(',')}]`;
};

export const describeIsolation = (label: string, open: () => Promise<TestDatabase>, options: SuiteOptions) => {
  describe(`tenant isolation on ${label}`, () => {
    let db: TestDatabase;
    let runtime: Runtime;
    const run = <A, E>(effect: Effect.Effect<A, E, TenantSql | SqlClient.SqlClient>) => runtime.runPromise(effect);
    const A = customerId(0xa);
    const B = customerId(0xb);

    beforeAll(async () => {
      db = await open();
      runtime = ManagedRuntime.make(Layer.provideMerge(TenantSql.layer({ retries: 2 }), db.appLayer)) as Runtime;
      await run(Effect.all([createCustomer(A), createCustomer(B)]));
      await run(
        Effect.all([insertCommunication(A, 'a-1'), insertCommunication(A, 'a-2'), insertCommunication(B, 'b-1')]),
      );
    });
    afterAll(async () => {
      await runtime?.dispose();
      await db?.close();
    });

    it('every table with a customer_id column has row-level security enabled and forced, and a policy', async () => {
      const tables = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* sql<{ table: string; enabled: boolean; forced: boolean; policies: number }>`
            SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                   (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`;
        }),
      );
      expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['communications', 'chunks', 'audit_log']));
      expect(tables.length).toBeGreaterThanOrEqual(10);
      expect(tables.filter((t) => !t.enabled || !t.forced || t.policies === 0)).toEqual([]);
    });

    it('every B-tree index of a customer-data table leads with customer_id', async () => {
      const offenders = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* sql<{ index: string }>`
            SELECT i.relname AS index
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_am am ON am.oid = i.relam
            JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attname = 'customer_id'
            WHERE am.amname = 'btree' AND x.indkey[0] <> a.attnum`;
        }),
      );
      expect(offenders).toEqual([]);
    });

    it('the application role is not a superuser, cannot bypass RLS and owns no table', async () => {
      const [role] = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* sql<{ rolsuper: boolean; rolbypassrls: boolean; owned: number; user: string }>`
            SELECT r.rolsuper, r.rolbypassrls, current_user AS user,
                   (SELECT count(*)::int FROM pg_class c WHERE c.relowner = r.oid) AS owned
            FROM pg_roles r WHERE r.rolname = current_user`;
        }),
      );
      expect(role).toEqual({ rolsuper: false, rolbypassrls: false, owned: 0, user: db.appRole });
    });

    it('without a tenant set, reads return no rows and writes are refused', async () => {
      const outcome = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          const seen = yield* sql`SELECT * FROM communications`;
          const inTransaction = yield* sql.withTransaction(sql`SELECT * FROM communications`);
          const write = yield* Effect.flip(
            sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at) VALUES (${A}, 'gmail', 'no-tenant', 'email', now())`,
          );
          const updated = yield* sql`UPDATE communications SET subject = 'x' RETURNING id`;
          return { seen: seen.length, inTransaction: inTransaction.length, write: write.reason._tag, updated };
        }),
      );
      expect(outcome).toEqual({ seen: 0, inTransaction: 0, write: 'AuthorizationError', updated: [] });
      // The rows exist: the tenant sees them.
      expect(await run(externalIdsOf(A))).toHaveLength(2);
    });

    it('a session-level tenant left by an earlier borrower never affects a later tenant transaction', async () => {
      const seen = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          const tenant = yield* TenantSql;
          // A buggy borrower sets the tenant for the whole session (what the seed's SET would do).
          yield* sql.withTransaction(sql`SELECT set_config('app.current_customer_id', ${A}, false)`);
          const asB = yield* tenant.withCustomer(
            B,
            sql<{ external_id: string }>`SELECT external_id FROM communications`,
          );
          return asB.map((r) => r.external_id);
        }),
      );
      expect(seen).toEqual(['b-1']);
    });

    it('a session-level tenant setting (set_config(..., false) or SET) grants nothing to later transactions', async () => {
      const seen = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          // The careless borrower: the tenant for the whole session, outside panops_set_tenant.
          yield* sql`SELECT set_config('app.current_customer_id', ${A}, false)`;
          const plain = yield* sql<{ external_id: string }>`SELECT external_id FROM communications`;
          const inTransaction = yield* sql.withTransaction(
            sql<{ external_id: string }>`SELECT external_id FROM communications`,
          );
          const updated = yield* sql<{ id: string }>`UPDATE communications SET subject = 'leaked' RETURNING id`;
          yield* sql.unsafe(`SET app.current_customer_id = '${A}'`);
          const afterSet = yield* sql.withTransaction(
            sql<{ external_id: string }>`SELECT external_id FROM communications`,
          );
          // Bound by panops_set_tenant in one (autocommitted) statement: the next statement is another transaction.
          yield* sql`SELECT panops_set_tenant(${A}::uuid)`;
          const nextStatement = yield* sql<{ external_id: string }>`SELECT external_id FROM communications`;
          // Inside a bound transaction, a raw set_config to another tenant does not switch it.
          const switched = yield* sql.withTransaction(
            Effect.andThen(
              sql`SELECT panops_set_tenant(${A}::uuid), set_config('app.current_customer_id', ${B}, true)`,
              sql<{ external_id: string }>`SELECT external_id FROM communications`,
            ),
          );
          yield* sql`SELECT set_config('app.current_customer_id', '', false)`;
          return {
            plain: plain.length,
            inTransaction: inTransaction.length,
            updated: updated.length,
            afterSet: afterSet.length,
            nextStatement: nextStatement.length,
            switched: switched.length,
          };
        }),
      );
      expect(seen).toEqual({ plain: 0, inTransaction: 0, updated: 0, afterSet: 0, nextStatement: 0, switched: 0 });
    });

    it('panops_set_tenant binds one tenant for its transaction and refuses a second one', async () => {
      const outcome = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          const asA = yield* sql.withTransaction(
            Effect.andThen(
              sql`SELECT panops_set_tenant(${A}::uuid)`,
              sql<{ external_id: string }>`SELECT external_id FROM communications ORDER BY external_id`,
            ),
          );
          const second = yield* Effect.flip(
            sql.withTransaction(
              Effect.andThen(sql`SELECT panops_set_tenant(${A}::uuid)`, sql`SELECT panops_set_tenant(${B}::uuid)`),
            ),
          );
          return { asA: asA.map((r) => r.external_id), second: postgresDetails(second).message };
        }),
      );
      expect(outcome.asA).toEqual(['a-1', 'a-2']);
      expect(outcome.second).toMatch(/already bound/);
    });

    it('the application role cannot create temporary tables to shadow a customer table', async () => {
      const error = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* Effect.flip(
            sql.withTransaction(
              sql.unsafe('CREATE TEMP TABLE chunk_terms (customer_id uuid, term text, chunk_id uuid)').unprepared,
            ),
          );
        }),
      );
      expect(postgresDetails(error).message).toMatch(/permission denied/);
      const temporary = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* sql<{
            temporary: boolean;
          }>`SELECT has_database_privilege(current_user, current_database(), 'TEMPORARY') AS temporary`;
        }),
      );
      expect(temporary).toEqual([{ temporary: false }]);
    });

    it('every function of the schema pins its search_path (pg_temp last), so no object can shadow what it names', async () => {
      const unpinned = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* sql<{ name: string; config: string | null }>`
            SELECT p.oid::regprocedure::text AS name, array_to_string(p.proconfig, ',') AS config
            FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
              AND NOT EXISTS (
                SELECT 1 FROM unnest(p.proconfig) c
                WHERE c LIKE 'search\_path=%' AND c NOT LIKE '%"$user"%' AND c LIKE '%pg\_temp')
            ORDER BY 1`;
        }),
      );
      expect(unpinned).toEqual([]);
      const functions = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          return yield* sql<{ name: string }>`SELECT proname AS name FROM pg_proc WHERE proname LIKE 'panops\_%'`;
        }),
      );
      expect(functions.map((f) => f.name)).toEqual(
        expect.arrayContaining(['panops_current_customer_id', 'panops_set_tenant', 'panops_index_chunk_terms']),
      );
    });

    it('the tenant setting ends with its transaction', async () => {
      const after = await run(
        Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient;
          const tenant = yield* TenantSql;
          yield* sql`SELECT set_config('app.current_customer_id', '', false)`;
          yield* tenant.withCustomer(A, sql`SELECT 1`);
          return yield* sql<{
            setting: string | null;
          }>`SELECT current_setting('app.current_customer_id', true) AS setting`;
        }),
      );
      expect(after[0]?.setting ?? '').toBe('');
    });

    it.each([
      ['ALTER TABLE', 'ALTER TABLE communications ADD COLUMN sneaky text'],
      ['disable row-level security', 'ALTER TABLE communications DISABLE ROW LEVEL SECURITY'],
      ['drop the policy', 'DROP POLICY tenant_isolation ON communications'],
      ['SET ROLE to the owner', 'SET ROLE panops_owner'],
      [
        'turn row_security off',
        "SELECT set_config('row_security', 'off', true)",
        'SELECT count(*) FROM communications',
      ],
      ['update an audit row', "UPDATE audit_log SET actor = 'someone else'"],
      ['delete an audit row', 'DELETE FROM audit_log'],
      ['truncate a table', 'TRUNCATE communications'],
    ])('the application role cannot %s', async (_, ...statements) => {
      const owner = db.ownerRole;
      const error = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          yield* tenant.withCustomer(
            A,
            tenant.sql`INSERT INTO audit_log (customer_id, actor, action, query) VALUES (${A}, 'alice', 'search', 'q')`,
          );
          const attempt = Effect.forEach(statements, (statement) =>
            tenant.sql.unsafe(statement.replace('panops_owner', `"${owner}"`)),
          );
          return yield* Effect.flip(tenant.withCustomer(A, attempt));
        }),
      );
      expect(error._tag).toBe('TenantIsolationError');
      const audit = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          return yield* tenant.withCustomer(A, tenant.sql<{ actor: string }>`SELECT actor FROM audit_log`);
        }),
      );
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.every((row) => row.actor === 'alice')).toBe(true);
    });

    it('a cross-tenant insert is refused as a tenant-isolation error and a cross-tenant update or delete touches nothing', async () => {
      const outcome = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          const sql = tenant.sql;
          const insert = yield* Effect.flip(
            tenant.withCustomer(
              B,
              sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at) VALUES (${A}, 'gmail', 'forged', 'email', now())`,
            ),
          );
          const updated = yield* tenant.withCustomer(
            B,
            sql`UPDATE communications SET subject = 'pwned' WHERE customer_id = ${A} RETURNING id`,
          );
          const deleted = yield* tenant.withCustomer(
            B,
            sql`DELETE FROM communications WHERE customer_id = ${A} RETURNING id`,
          );
          const moved = yield* Effect.flip(
            tenant.withCustomer(B, sql`UPDATE communications SET customer_id = ${A} RETURNING id`),
          );
          return { insert: insert._tag, updated, deleted, moved: moved._tag };
        }),
      );
      expect(outcome).toEqual({
        insert: 'TenantIsolationError',
        updated: [],
        deleted: [],
        moved: 'TenantIsolationError',
      });
      expect((await run(externalIdsOf(A))).map((r) => r.external_id).sort()).toEqual(['a-1', 'a-2']);
    });

    it('a redelivered communication is a no-op, and the same platform id in another tenant is its own row', async () => {
      const C = customerId(0xc);
      await run(createCustomer(C));
      await run(insertCommunication(C, 'a-1'));
      await run(insertCommunication(C, 'a-1'));
      expect((await run(externalIdsOf(C))).map((r) => r.external_id)).toEqual(['a-1']);
      expect((await run(externalIdsOf(A))).map((r) => r.external_id).sort()).toEqual(['a-1', 'a-2']);
    });

    it('a child row cannot reference another tenant’s parent', async () => {
      const error = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          const [parent] = yield* tenant.withCustomer(
            A,
            tenant.sql<{ id: string }>`SELECT id FROM communications LIMIT 1`,
          );
          return yield* Effect.flip(
            tenant.withCustomer(
              B,
              tenant.sql`INSERT INTO participants (customer_id, communication_id, role, address) VALUES (${B}, ${parent?.id ?? ''}, 'to', 'x@example.com')`,
            ),
          );
        }),
      );
      expect(error._tag).toBe('DatabaseQueryError');
      expect(error.message).toMatch(/foreign key/);
    });

    it('a communication under legal hold cannot be deleted', async () => {
      const error = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          yield* tenant.withCustomer(
            A,
            tenant.sql`UPDATE communications SET legal_hold = true WHERE external_id = 'a-2'`,
          );
          return yield* Effect.flip(
            tenant.withCustomer(A, tenant.sql`DELETE FROM communications WHERE external_id = 'a-2'`),
          );
        }),
      );
      expect(error.message).toMatch(/legal hold/);
    });

    it('the application role cannot lift a legal hold, nor lift it and delete in one transaction', async () => {
      await run(insertCommunication(A, 'held-1'));
      const outcome = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          const sql = tenant.sql;
          yield* tenant.withCustomer(A, sql`UPDATE communications SET legal_hold = true WHERE external_id = 'held-1'`);
          const liftAndDelete = yield* Effect.flip(
            tenant.withCustomer(
              A,
              Effect.andThen(
                sql`UPDATE communications SET legal_hold = false WHERE external_id = 'held-1'`,
                sql`DELETE FROM communications WHERE external_id = 'held-1'`,
              ),
            ),
          );
          const [row] = yield* tenant.withCustomer(
            A,
            sql<{
              id: string;
              legal_hold: boolean;
            }>`SELECT id, legal_hold FROM communications WHERE external_id = 'held-1'`,
          );
          const procedure = yield* Effect.flip(
            tenant.withCustomer(
              A,
              sql`SELECT panops_release_legal_hold(${A}::uuid, ARRAY[${row?.id ?? A}]::uuid[], 'app', 'because')`,
            ),
          );
          return { liftAndDelete: liftAndDelete.message, held: row?.legal_hold, procedure: procedure.message };
        }),
      );
      expect(outcome.liftAndDelete).toMatch(/legal hold/);
      expect(outcome.held).toBe(true);
      expect(outcome.procedure).toMatch(/permission denied for function panops_release_legal_hold/);
    });

    if (options.owner) {
      it('only the owner lifts a hold, through panops_release_legal_hold, which writes who and why to the audit log', async () => {
        await run(insertCommunication(A, 'held-2'));
        const [held] = await run(
          Effect.gen(function* () {
            const tenant = yield* TenantSql;
            return yield* tenant.withCustomer(
              A,
              tenant.sql<{
                id: string;
              }>`UPDATE communications SET legal_hold = true WHERE external_id = 'held-2' RETURNING id`,
            );
          }),
        );
        const id = held?.id as string;
        const asOwner = <X>(effect: (sql: SqlClient.SqlClient) => Effect.Effect<X, unknown>) =>
          Effect.runPromise(
            Effect.gen(function* () {
              const sql = yield* SqlClient.SqlClient;
              return yield* sql.withTransaction(
                Effect.andThen(sql.unsafe(`SET LOCAL ROLE "${db.ownerRole}"`).unprepared, effect(sql)),
              );
            }).pipe(
              Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>),
              Effect.scoped,
            ) as Effect.Effect<X>,
          );
        // The owner too is refused a plain UPDATE or DELETE: the procedure is the one way.
        for (const statement of [
          'UPDATE communications SET legal_hold = false WHERE id = $1',
          'DELETE FROM communications WHERE id = $1',
        ]) {
          const direct = await asOwner((sql) =>
            Effect.andThen(sql`SELECT panops_set_tenant(${A}::uuid)`, sql.unsafe(statement, [id])),
          ).then(
            () => undefined,
            (error: unknown) => error,
          );
          expect(postgresDetails(direct).message, statement).toMatch(/legal hold/);
        }
        const released = await asOwner(
          (sql) =>
            sql<{
              n: number;
            }>`SELECT panops_release_legal_hold(${A}::uuid, ARRAY[${id}]::uuid[], 'counsel@example.com', 'matter 42 closed') AS n`,
        );
        expect(released).toEqual([{ n: 1 }]);
        const after = await run(
          Effect.gen(function* () {
            const tenant = yield* TenantSql;
            return yield* tenant.withCustomer(
              A,
              Effect.all({
                row: tenant.sql<{ legal_hold: boolean }>`SELECT legal_hold FROM communications WHERE id = ${id}`,
                audit: tenant.sql<{
                  actor: string;
                  details: { operation: string; reason: string; released: string[] };
                }>`
                  SELECT actor, details FROM audit_log WHERE action = 'legal_hold' ORDER BY occurred_at DESC LIMIT 1`,
              }),
            );
          }),
        );
        expect(after.row).toEqual([{ legal_hold: false }]);
        expect(after.audit[0]).toMatchObject({
          actor: 'counsel@example.com',
          details: { operation: 'release', reason: 'matter 42 closed', released: [id] },
        });
      });
    }

    it('withCustomer refuses a malformed customer id and a nested transaction for another customer', async () => {
      const malformed = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          return yield* Effect.flip(tenant.withCustomer("x' OR true --", tenant.sql`SELECT 1`));
        }),
      );
      expect(malformed._tag).toBe('InvalidCustomerIdError');
      const nested = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          return yield* tenant.withCustomer(A, tenant.withCustomer(B, tenant.sql`SELECT 1`)).pipe(Effect.exit);
        }),
      );
      expect(String(nested)).toMatch(/inside the transaction of customer/);
    });

    if (options.statementTimeout) {
      it('a statement that runs past the statement timeout fails as a StatementTimeoutError, not retried', async () => {
        const started = Date.now();
        const error = await run(
          Effect.gen(function* () {
            const short = yield* makeTenantSql({ statementTimeout: '150 millis' });
            return yield* Effect.flip(short.withCustomer(A, short.sql`SELECT pg_sleep(2)`));
          }),
        );
        expect(error._tag).toBe('StatementTimeoutError');
        expect(Date.now() - started).toBeLessThan(1_500);
      });
    }

    it('property: a tenant reads exactly its own rows and cannot write, change or remove another tenant’s', async () => {
      let round = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 4 }), { minLength: 2, maxLength: 4 }),
          fc.nat(),
          async (rowsPerTenant, pick) => {
            round++;
            const tenants = rowsPerTenant.map((_, i) => customerId(0x10_0000 + round * 16 + i));
            await run(Effect.all(tenants.map(createCustomer)));
            for (const [i, rows] of rowsPerTenant.entries()) {
              for (const row of rows) await run(insertCommunication(tenants[i] as string, row));
            }
            for (const [i, rows] of rowsPerTenant.entries()) {
              const seen = await run(externalIdsOf(tenants[i] as string));
              expect(seen.map((r) => r.external_id).sort()).toEqual([...new Set(rows)].sort());
              expect(seen.every((r) => r.customer_id === tenants[i])).toBe(true);
            }
            const attacker = tenants[pick % tenants.length] as string;
            const victim = tenants[(pick + 1) % tenants.length] as string;
            const attack = await run(
              Effect.gen(function* () {
                const tenant = yield* TenantSql;
                const sql = tenant.sql;
                const insert = yield* Effect.flip(
                  tenant.withCustomer(
                    attacker,
                    sql`INSERT INTO communications (customer_id, platform, external_id, kind, sent_at) VALUES (${victim}, 'gmail', 'forged', 'email', now())`,
                  ),
                );
                const changed = yield* tenant.withCustomer(
                  attacker,
                  sql`UPDATE communications SET body_text = 'x' WHERE customer_id = ${victim} RETURNING id`,
                );
                const removed = yield* tenant.withCustomer(
                  attacker,
                  sql`DELETE FROM communications WHERE customer_id = ${victim} RETURNING id`,
                );
                return { insert: insert._tag, changed: changed.length, removed: removed.length };
              }),
            );
            expect(attack).toEqual({ insert: 'TenantIsolationError', changed: 0, removed: 0 });
            const victimRows = rowsPerTenant[tenants.indexOf(victim)] ?? [];
            expect((await run(externalIdsOf(victim))).length).toBe(new Set(victimRows).size);
          },
        ),
        { numRuns: 12 },
      );
    });

    it('text search finds a tenant’s chunk through the term index, never another tenant’s', async () => {
      const result = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          const sql = tenant.sql;
          const addChunk = (id: string, content: string, index = 0) =>
            tenant.withCustomer(
              id,
              sql`INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content)
                  SELECT customer_id, id, 'communication', ${index}, ${content} FROM communications ORDER BY external_id LIMIT 1`,
            );
          yield* addChunk(A, 'Quarterly merger negotiations with Borealis');
          yield* addChunk(B, 'Merger negotiations leaked to the press');
          // A realistic vocabulary (4,000 terms) so the planner weighs the term condition as it would in production.
          yield* addChunk(A, Array.from({ length: 4000 }, (_, i) => `word${i.toString(36)}x`).join(' '), 1);
          // Statistics as autovacuum would keep them (PGlite's planner does without).
          const admin = db.adminLayer;
          if (admin) {
            yield* Effect.promise(() =>
              Effect.runPromise(
                Effect.flatMap(SqlClient.SqlClient, (sql) => sql`ANALYZE chunk_terms`).pipe(
                  Effect.provide(admin),
                  Effect.scoped,
                ),
              ),
            );
          }
          const { searchChunksByText } = yield* Effect.promise(() => import('../../src/services/db/text-search.js'));
          const hitsA = yield* tenant.withCustomer(A, searchChunksByText(sql, 'merger negotiation'));
          const plan = yield* tenant.withCustomer(
            A,
            Effect.andThen(
              sql`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'on', true)`,
              sql.unsafe<Record<string, string>>(
                `EXPLAIN SELECT chunk_id FROM chunk_terms t WHERE t.term = ANY (ARRAY(SELECT unnest(tsvector_to_array(to_tsvector('english', 'merger')))))`,
              ),
            ),
          );
          return { hitsA, plan: plan.map((row) => Object.values(row)[0]).join('\n') };
        }),
      );
      expect(result.hitsA.map((h) => h.content)).toEqual(['Quarterly merger negotiations with Borealis']);
      // Under forced RLS the term lookup is an index condition, not a filter over the tenant's rows.
      expect(result.plan, result.plan).toMatch(/Index Cond: .*term = ANY/);
      expect(result.plan).not.toMatch(/Seq Scan/);
    });

    if (options.vector) {
      it('semantic search over embeddings returns only the tenant’s chunks, nearest first', async () => {
        expect(db.hasVector).toBe(true);
        const result = await run(
          Effect.gen(function* () {
            const tenant = yield* TenantSql;
            const sql = tenant.sql;
            const add = (id: string, index: number, content: string, embedding: string) =>
              tenant.withCustomer(
                id,
                sql`INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content, embedding, embedding_model)
                    SELECT customer_id, id, 'communication', ${index}, ${content}, ${embedding}::vector, 'test-384'
                    FROM communications ORDER BY external_id LIMIT 1`,
              );
            yield* add(A, 10, 'A about axis 1', embeddingNear(1, 0.2));
            yield* add(A, 11, 'A about axis 2', embeddingNear(2));
            // B's chunk is the closest to the query of all, and must never surface for A.
            yield* add(B, 10, 'B about axis 1', embeddingNear(1));
            const nearest = (id: string) =>
              tenant.withCustomer(
                id,
                Effect.andThen(
                  sql`SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)`,
                  sql<{ content: string }>`SELECT content FROM chunks WHERE embedding IS NOT NULL
                       ORDER BY embedding <=> ${embeddingNear(1)}::vector LIMIT 5`,
                ),
              );
            return { a: yield* nearest(A), b: yield* nearest(B) };
          }),
        );
        expect(result.a.map((r) => r.content)).toEqual(['A about axis 1', 'A about axis 2']);
        expect(result.b.map((r) => r.content)).toEqual(['B about axis 1']);
      });
    }
  });
};
