import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { type MigrationSource, readMigrationSources } from '../services/db/migrations.js';

/** The migrations a customer stack ships to its hook, and their fingerprint. */
export interface MigrationBundle {
  readonly sources: readonly MigrationSource[];
  /** sha256 over names and texts, in order: it changes exactly when the schema does. */
  readonly fingerprint: string;
}

const bundles = new Map<string, MigrationBundle>();

/**
 * Reads `sql/` once per process (1,000 customer stacks share one read). The
 * hook receives the files through the custom resource's properties: the
 * template then carries exactly the schema it applies, a schema change is
 * what makes CloudFormation send an Update, and the Lambda bundle needs no
 * SQL files beside it.
 */
export const migrationBundle = (dir = 'sql'): MigrationBundle => {
  const root = resolve(dir);
  const cached = bundles.get(root);
  if (cached) return cached;
  const sources = readMigrationSources(root);
  const hash = createHash('sha256');
  for (const { name, text } of sources) hash.update(name).update('\0').update(text).update('\0');
  const bundle = { sources, fingerprint: hash.digest('hex') };
  bundles.set(root, bundle);
  return bundle;
};
