/**
 * The migration runner on the PostgreSQL server (no pgvector): idempotent
 * re-runs, the vector files skipped and not recorded, edited files refused,
 * roles with superpowers refused.
 */
import { Effect, type Layer } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrationSources } from '../../src/services/db/index.js';
import { openServerDatabase, type TestDatabase } from '../support/database.js';

describe('migrating a PostgreSQL server without pgvector', () => {
  let db: TestDatabase;
  let admin: Layer.Layer<SqlClient.SqlClient, unknown>;
  const onAdmin = <A, E>(effect: Effect.Effect<A, E, SqlClient.SqlClient>) =>
    Effect.runPromise(effect.pipe(Effect.provide(admin), Effect.scoped) as Effect.Effect<A, unknown>);

  beforeAll(async () => {
    db = await openServerDatabase({ maxConnections: 1 });
    if (!db.adminLayer) throw new Error('server databases have an administrator layer');
    admin = db.adminLayer;
  });
  afterAll(() => db?.close());

  it('applies every file except the pgvector ones, which are skipped and left unrecorded', async () => {
    const names = readMigrationSources().map((m) => m.name);
    expect(db.migrations.skipped.map((s) => s.name)).toEqual([
      '0001_vector_extension.sql',
      '0003_chunk_embeddings.sql',
    ]);
    expect(db.migrations.skipped.every((s) => s.missingExtensions.includes('vector'))).toBe(true);
    expect([...db.migrations.applied, ...db.migrations.skipped.map((s) => s.name)].sort()).toEqual(names);
    const recorded = await onAdmin(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ name: string }>`SELECT name FROM panops_schema_migrations ORDER BY version`,
      ),
    );
    expect(recorded.map((r) => r.name)).toEqual(db.migrations.applied);
  });

  it('a second run applies nothing and verifies what is there', async () => {
    const again = await onAdmin(migrate({ ownerRole: db.ownerRole, appRole: db.appRole }));
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(db.migrations.applied);
  });

  it('refuses to go on when an applied migration file was edited', async () => {
    const edited = readMigrationSources().map((m) =>
      m.name === '0002_archive_schema.sql' ? { ...m, text: `${m.text}\n-- an innocent edit\n` } : m,
    );
    const error = await onAdmin(
      Effect.flip(migrate({ ownerRole: db.ownerRole, appRole: db.appRole, migrations: edited })),
    );
    expect(error._tag).toBe('MigrationChecksumMismatch');
    expect(error.message).toMatch(/0002_archive_schema\.sql/);
  });

  it('a failing statement names its file and leaves nothing of that file behind', async () => {
    const broken = [
      ...readMigrationSources(),
      { name: '9999_broken.sql', text: 'CREATE TABLE half_done (x int);\nSELECT no_such_function();' },
    ];
    const error = await onAdmin(
      Effect.flip(migrate({ ownerRole: db.ownerRole, appRole: db.appRole, migrations: broken })),
    );
    expect(error._tag).toBe('MigrationError');
    expect(error.message).toMatch(/9999_broken\.sql.*no_such_function/);
    const leftovers = await onAdmin(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1 FROM pg_class WHERE relname = 'half_done'`),
    );
    expect(leftovers).toEqual([]);
  });

  it('tables are owned by the owner role, not by the migrating administrator', async () => {
    const owners = await onAdmin(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ owner: string }>`
          SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_class c
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id'
          WHERE c.relkind = 'r'`,
      ),
    );
    expect(owners).toEqual([{ owner: db.ownerRole }]);
  });

  it('refuses an application role that can bypass row-level security', async () => {
    const error = await onAdmin(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        yield* sql.unsafe(`ALTER ROLE "${db.appRole}" BYPASSRLS`).unprepared;
        const edited = readMigrationSources().filter((m) => m.name === '0000_roles.sql');
        // A fresh record of 0000 so that it runs again: drop its row first.
        yield* sql`DELETE FROM panops_schema_migrations WHERE name = '0000_roles.sql'`;
        const failure = yield* Effect.flip(
          migrate({ ownerRole: db.ownerRole, appRole: db.appRole, migrations: edited }),
        );
        yield* sql.unsafe(`ALTER ROLE "${db.appRole}" NOBYPASSRLS`).unprepared;
        return failure;
      }),
    );
    expect(error.message).toMatch(/BYPASSRLS/);
  });
});
