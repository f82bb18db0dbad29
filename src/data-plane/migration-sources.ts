import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { IConstruct } from 'constructs';
import { oncePerApp } from '../common/per-app.js';
import { type MigrationSource, readMigrationSources } from '../services/db/migrations.js';

/** The migrations a customer stack ships to its hook, and their fingerprint. */
export interface MigrationBundle {
  readonly sources: readonly MigrationSource[];
  /** sha256 over names and texts, in order: it changes exactly when the schema does. */
  readonly fingerprint: string;
}

/**
 * Reads the migration files of `dir` and fingerprints them. The hook receives the files through the custom resource's properties: the
 * template then carries exactly the schema it applies, a schema change is
 * what makes CloudFormation send an Update, and the Lambda bundle needs no
 * SQL files beside it.
 */
export const migrationBundle = (dir = 'sql'): MigrationBundle => {
  const sources = readMigrationSources(resolve(dir));
  const hash = createHash('sha256');
  for (const { name, text } of sources) hash.update(name).update('\0').update(text).update('\0');
  return { sources, fingerprint: hash.digest('hex') };
};

/** The migrations of `sql/`, read once for the App `scope` belongs to (1,000 customer stacks share one read). */
export const appMigrationBundle = (scope: IConstruct): MigrationBundle =>
  oncePerApp(scope, 'migrations:sql', () => migrationBundle());
