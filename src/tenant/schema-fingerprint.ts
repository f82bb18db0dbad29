import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const fingerprints = new Map<string, string>();

/**
 * A hash of every migration file (name and content, in order). The migration
 * hook passes it as a property, so changing the schema is what makes
 * CloudFormation run the migrations again. Computed once per process: 1,000
 * customer stacks read `sql/` once.
 */
export const schemaFingerprint = (dir = 'sql'): string => {
  const root = resolve(dir);
  const cached = fingerprints.get(root);
  if (cached) return cached;
  const hash = createHash('sha256');
  const files = existsSync(root)
    ? readdirSync(root)
        .filter((name) => name.endsWith('.sql'))
        .sort()
    : [];
  for (const name of files)
    hash
      .update(name)
      .update('\0')
      .update(readFileSync(join(root, name)))
      .update('\0');
  const fingerprint = hash.digest('hex');
  fingerprints.set(root, fingerprint);
  return fingerprint;
};
