import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleNodeEntry } from '../../src/common/node-bundle.js';
import { MIGRATION_HOOK_ENTRY } from '../../src/data-plane/migration-hook.js';
import { CONTROL_IDENTIFIER_LOOKUP_ENTRY } from '../../src/org/control-tower/control-identifier-lookup.js';
import { LAMBDA_ENTRIES } from '../../src/shared-compute/handler-entries.js';

/**
 * Every Lambda bundle the stacks deploy is loaded as the Lambda runtime loads
 * it (a fresh Node process importing `index.mjs`, no repository around it):
 * a bundle that throws at import (a UMD package's lazy `require`, a missing
 * module) or lacks `handler` fails here instead of at the first invocation.
 */
const ENTRIES: Record<string, string> = {
  ...LAMBDA_ENTRIES,
  migrationHook: MIGRATION_HOOK_ENTRY,
  controlIdentifierLookup: CONTROL_IDENTIFIER_LOOKUP_ENTRY,
};

const outRoot = mkdtempSync(join(tmpdir(), 'panops-lambda-bundles-'));
afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

const handlerTypeOf = (bundle: string): string =>
  execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.stdout.write(typeof m.handler);`,
    ],
    // Outside the repository, so nothing resolves from its node_modules: only what the bundle carries.
    { cwd: outRoot, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', AWS_REGION: 'eu-west-1' } },
  );

describe('Lambda bundles', () => {
  it.each(Object.entries(ENTRIES))(
    'the %s bundle loads in a bare Node process and exports handler',
    (name, entry) => {
      const outfile = join(outRoot, name, 'index.mjs');
      bundleNodeEntry(entry, outfile);
      expect(handlerTypeOf(outfile)).toBe('function');
    },
    60_000,
  );
});
