import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleNodeEntry, NODE_BUNDLE_CACHE } from '../../src/common/node-bundle.js';

/** The stored entry whose inputs include `file` (as esbuild names it: relative to the working folder). */
const storedEntryOf = (file: string): string => {
  const name = relative(process.cwd(), file);
  const found = readdirSync(NODE_BUNDLE_CACHE)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(NODE_BUNDLE_CACHE, f))
    .find((f) => Object.keys(JSON.parse(readFileSync(f, 'utf8')).inputs).includes(name));
  if (!found) throw new Error(`no stored bundle has ${name}`);
  return found;
};

describe('bundles reused by the content of every input', () => {
  it('serves an unchanged entry from the store, and bundles afresh when any input file changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    const entry = join(dir, 'entry.ts');
    const dep = join(dir, 'dep.ts');
    writeFileSync(entry, "import { word } from './dep.js';\nconsole.log(word);\n");
    writeFileSync(dep, "export const word: string = 'first-word';\n");
    const out = join(dir, 'out', 'index.mjs');

    const first = bundleNodeEntry(entry, out);
    expect(readFileSync(out, 'utf8')).toContain('first-word');

    // A stored entry is what answers: marked, it comes back as is while no input changed.
    const stored = storedEntryOf(dep);
    const entryJson = JSON.parse(readFileSync(stored, 'utf8'));
    writeFileSync(stored, JSON.stringify({ ...entryJson, code: `${entryJson.code}//served-from-store\n` }));
    const second = bundleNodeEntry(entry, out);
    expect(readFileSync(out, 'utf8')).toContain('served-from-store');
    expect(second.hash).not.toBe(first.hash);

    // An input changed: bundled afresh, never the stored code.
    writeFileSync(dep, "export const word: string = 'second-word';\n");
    bundleNodeEntry(entry, out);
    const fresh = readFileSync(out, 'utf8');
    expect(fresh).toContain('second-word');
    expect(fresh).not.toContain('served-from-store');
  });
});
