import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One plain-SQL migration file from `sql/`. */
export interface MigrationSource {
  /** File name, e.g. `0002_archive_schema.sql`; its leading number orders it. */
  readonly name: string;
  /** The file's text, placeholders not yet filled in. */
  readonly text: string;
}

/** A migration ready to apply: parsed header directives, checksum of the file. */
export interface Migration extends MigrationSource {
  readonly version: number;
  /** `admin`: the connecting administrator; `owner`: SET LOCAL ROLE to the owner role (the default). */
  readonly runAs: 'admin' | 'owner';
  /** Extensions the server must offer; when one is missing the migration is skipped and not recorded. */
  readonly requiresExtensions: readonly string[];
  /** sha256 of the file text. */
  readonly checksum: string;
}

/** Values for the `{{placeholders}}` in migration files. */
export interface MigrationParameters {
  /** Role that owns every table; never logs in. @default 'panops_owner' */
  readonly ownerRole: string;
  /** Role the services connect as; owns nothing, bound by RLS. @default 'panops_app' */
  readonly appRole: string;
  /** Dimension of `chunks.embedding`, from the embedding model setting. @default 384 */
  readonly embeddingDimensions: number;
}

export const DEFAULT_MIGRATION_PARAMETERS: MigrationParameters = {
  ownerRole: 'panops_owner',
  appRole: 'panops_app',
  embeddingDimensions: 384,
};

/** The repository's `sql/` folder (this file lives in `src/services/db/`). */
export const DEFAULT_MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../../sql/', import.meta.url));

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * Reads `NNNN_name.sql` files from a folder, in order. Two files with one number are refused: the
 * migrations table records one file per number, so the second would fail every deploy with a
 * checksum mismatch (or, applied first somewhere, leave the other file unapplied there).
 */
export const readMigrationSources = (directory: string = DEFAULT_MIGRATIONS_DIRECTORY): MigrationSource[] => {
  const names = readdirSync(directory)
    .filter((name) => FILE_NAME.test(name))
    .sort();
  names.forEach((name, i) => {
    const previous = names[i - 1];
    if (previous && previous.slice(0, 4) === name.slice(0, 4))
      throw new Error(
        `${directory}: ${previous} and ${name} share the number ${name.slice(0, 4)}; renumber the newer one`,
      );
  });
  return names.map((name) => ({ name, text: readFileSync(join(directory, name), 'utf8') }));
};

/** Parses header directives (`-- panops:run-as admin`, `-- panops:requires-extension vector`). */
export const parseMigration = (source: MigrationSource): Migration => {
  const match = FILE_NAME.exec(source.name);
  if (!match) throw new Error(`migration file name ${source.name} must look like 0001_snake_case.sql`);
  let runAs: Migration['runAs'] = 'owner';
  const requiresExtensions: string[] = [];
  for (const line of source.text.split('\n')) {
    const directive = /^--\s*panops:([a-z-]+)\s+(\S+)\s*$/.exec(line.trim());
    if (!directive) continue;
    const [, key, value] = directive as unknown as [string, string, string];
    if (key === 'run-as' && (value === 'admin' || value === 'owner')) runAs = value;
    else if (key === 'requires-extension') requiresExtensions.push(value);
    else throw new Error(`${source.name}: unknown directive "panops:${key} ${value}"`);
  }
  return {
    ...source,
    version: Number(match[1]),
    runAs,
    requiresExtensions,
    checksum: createHash('sha256').update(source.text).digest('hex'),
  };
};

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Fills in `{{owner_role}}`, `{{app_role}}`, `{{embedding_dimensions}}`; values are validated, never quoted blindly. */
export const renderMigration = (migration: Migration, parameters: MigrationParameters): string => {
  for (const role of [parameters.ownerRole, parameters.appRole]) {
    if (!ROLE_NAME.test(role)) throw new Error(`role name ${JSON.stringify(role)} must match ${ROLE_NAME}`);
  }
  if (parameters.ownerRole === parameters.appRole) throw new Error('the owner and application roles must differ');
  const dims = parameters.embeddingDimensions;
  if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) {
    throw new Error(`embedding dimensions ${dims} must be an integer within 1–16000 (pgvector's limit)`);
  }
  const values: Record<string, string> = {
    owner_role: parameters.ownerRole,
    app_role: parameters.appRole,
    embedding_dimensions: String(dims),
  };
  return migration.text.replace(/\{\{([a-z_]+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`${migration.name}: unknown placeholder {{${key}}}`);
    return value;
  });
};
