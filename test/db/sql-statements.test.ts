import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMigrationSources } from '../../src/services/db/migrations.js';
import { splitSqlStatements } from '../../src/services/db/sql-statements.js';

describe('splitting a migration into statements', () => {
  it('splits on semicolons between statements, keeps leading comments and drops comment-only pieces', () => {
    expect(
      splitSqlStatements('-- header\nCREATE TABLE a (x int);\n/* note; */\nINSERT INTO a VALUES (1);\n-- end;'),
    ).toEqual(['-- header\nCREATE TABLE a (x int)', '/* note; */\nINSERT INTO a VALUES (1)']);
  });

  it('keeps semicolons inside strings, quoted identifiers, dollar-quoted bodies and nested comments', () => {
    const sql = [
      "SELECT 'a;b', 'it''s;', E'x\\';y'",
      'SELECT 1 AS "semi;colon"',
      'DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$',
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$',
      'SELECT /* outer /* inner; */ still; */ 2',
    ].join(';\n');
    expect(splitSqlStatements(sql)).toHaveLength(5);
    expect(splitSqlStatements(sql)[2]).toBe('DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$');
  });

  it('does not mistake a positional parameter for a dollar quote', () => {
    expect(splitSqlStatements('SELECT $1; SELECT $2')).toEqual(['SELECT $1', 'SELECT $2']);
  });

  it('refuses an unterminated string instead of guessing', () => {
    expect(() => splitSqlStatements("SELECT 'open;")).toThrow(/unterminated/);
    expect(() => splitSqlStatements('DO $x$ BEGIN')).toThrow(/unterminated/);
  });

  it('splits every shipped migration into statements that each start with SQL', () => {
    for (const { name, text } of readMigrationSources()) {
      const statements = splitSqlStatements(text);
      expect(statements.length, name).toBeGreaterThan(0);
      for (const statement of statements) expect(statement, name).toMatch(/^(--[^\n]*\n\s*)*[A-Z(]/);
    }
  });
});

describe('reading the migration files', () => {
  it('refuses two files with one number, naming both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      for (const name of ['0001_a.sql', '0002_b.sql', '0002_c.sql']) writeFileSync(join(dir, name), 'SELECT 1;');
      expect(() => readMigrationSources(dir)).toThrow(/0002_b\.sql and 0002_c\.sql share the number 0002/);
      rmSync(join(dir, '0002_c.sql'));
      expect(readMigrationSources(dir).map((m) => m.name)).toEqual(['0001_a.sql', '0002_b.sql']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
