import { Effect } from 'effect';
import type { SqlClient } from 'effect/sql';

/** A customer-data table as the promotion copies it. */
export interface CustomerTable {
  readonly name: string;
  /** Primary key columns, in key order: batches are read in this order (keyset pagination). */
  readonly primaryKey: readonly string[];
  /** Columns that are written (generated columns are left to the target to compute). */
  readonly columns: readonly string[];
  /** Generated columns (recomputed by the target). */
  readonly generated: readonly string[];
  /**
   * The table whose triggers write this one (`COMMENT ON TABLE … IS 'panops:derived-from <table> …'`):
   * its rows are not copied, the target's triggers write them when the source is copied; they are verified.
   */
  readonly derivedFrom?: string;
}

/** How a migration marks a table maintained by another's triggers (sql/0013: chunk_terms from chunks). */
const DERIVED_FROM = /^panops:derived-from ([a-z_][a-z0-9_]*)\b/;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A double-quoted identifier, after checking it is a plain lower-case name from the catalog. */
export const quoted = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`unexpected identifier ${JSON.stringify(name)} in the catalog`);
  return `"${name}"`;
};

/**
 * Every table of the public schema with a `customer_id` column, in
 * dependency order (a table after every table its foreign keys point to, and
 * a derived table after its source), so
 * copying in this order never inserts a child before its parent and deleting
 * in the reverse order never strands one.
 */
export const customerTables = (sql: SqlClient.SqlClient) =>
  Effect.gen(function* () {
    const tables = yield* sql<{ name: string; comment: string | null }>`
      SELECT c.relname AS name, obj_description(c.oid, 'pg_class') AS comment FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'customer_id' AND NOT a.attisdropped
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`;
    const columns = yield* sql<{ table: string; column: string; generated: boolean; position: number }>`
      SELECT c.relname AS table, a.attname AS column, a.attgenerated <> '' AS generated, a.attnum AS position
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`;
    const keys = yield* sql<{ table: string; column: string; ordinal: number }>`
      SELECT c.relname AS table, a.attname AS column, k.ordinal::int AS ordinal
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ordinal)
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE n.nspname = 'public' AND x.indisprimary ORDER BY c.relname, k.ordinal`;
    const references = yield* sql<{ child: string; parent: string }>`
      SELECT DISTINCT c.relname AS child, p.relname AS parent FROM pg_constraint f
      JOIN pg_class c ON c.oid = f.conrelid JOIN pg_class p ON p.oid = f.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE f.contype = 'f' AND n.nspname = 'public' AND c.oid <> p.oid`;
    const names = new Set(tables.map((t) => t.name));
    const derivedFrom = new Map(
      tables.flatMap((t) => {
        const source = DERIVED_FROM.exec(t.comment ?? '')?.[1];
        return source && names.has(source) ? [[t.name, source] as const] : [];
      }),
    );
    const described = new Map<string, CustomerTable>();
    for (const name of names) {
      const own = columns.filter((c) => c.table === name);
      const primaryKey = keys.filter((k) => k.table === name).map((k) => k.column);
      if (primaryKey.length === 0)
        throw new Error(`customer table ${name} has no primary key; it cannot be copied in batches`);
      described.set(name, {
        name,
        primaryKey,
        columns: own.filter((c) => !c.generated).map((c) => c.column),
        generated: own.filter((c) => c.generated).map((c) => c.column),
        ...(derivedFrom.has(name) ? { derivedFrom: derivedFrom.get(name) } : {}),
      });
    }
    // Kahn's algorithm, alphabetical among equals so the plan reads the same every time.
    const parentsOf = new Map([...names].map((n) => [n, new Set<string>()]));
    for (const { child, parent } of [...references, ...[...derivedFrom].map(([child, parent]) => ({ child, parent }))])
      if (names.has(child) && names.has(parent)) parentsOf.get(child)?.add(parent);
    const ordered: CustomerTable[] = [];
    const done = new Set<string>();
    while (done.size < names.size) {
      const ready = [...names].filter((n) => !done.has(n) && [...(parentsOf.get(n) ?? [])].every((p) => done.has(p)));
      if (ready.length === 0)
        throw new Error(
          `customer tables reference each other in a cycle: ${[...names].filter((n) => !done.has(n)).join(', ')}`,
        );
      for (const name of ready.sort()) {
        done.add(name);
        ordered.push(described.get(name) as CustomerTable);
      }
    }
    return ordered;
  });
