import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync, version as esbuildVersion, type Metafile } from 'esbuild';
import { writeAtomically } from './asset-files.js';

export interface NodeBundle {
  /** SHA-256 of the bundle's bytes (hex). */
  readonly hash: string;
  /** esbuild's metafile: every input the bundle holds and every import it leaves to the runtime. */
  readonly metafile: Metafile;
}

/**
 * Bundles made before, by every input's content: an entry point's bundle is
 * kept with esbuild's metafile, and reused only when every input file it
 * lists still has the bytes it was built from (and esbuild, the options and
 * the working folder are the same). Every synth of every process rebuilt
 * the same bundles before (seconds a run: the compliance run synthesizes
 * twice, the rehearsal's deploy plan once more).
 */
export const NODE_BUNDLE_CACHE = process.env.PANOPS_BUNDLE_CACHE ?? join(tmpdir(), 'panops-node-bundles');

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

interface StoredBundle {
  readonly metafile: Metafile;
  /** Every input file (as the metafile names it, relative to the working folder) → SHA-256 of its bytes. */
  readonly inputs: Record<string, string>;
  /** The bundle itself (in the same file, so that entry and code are written in one rename). */
  readonly code: string;
}

const fileHash = (path: string): string | undefined => (existsSync(path) ? sha256(readFileSync(path)) : undefined);

/**
 * One ESM bundle of a TypeScript entry point for Node 22 (the Lambda runtime
 * and the worker images), minified, with a `require` in scope for the
 * CommonJS dependencies it contains. Written atomically (temporary file, then
 * rename), so processes that synthesize in parallel never read half a bundle.
 */
export const bundleNodeEntry = (
  entry: string,
  outfile: string,
  options: { readonly external?: readonly string[] } = {},
): NodeBundle => {
  const key = sha256(
    JSON.stringify([esbuildVersion, process.cwd(), resolve(entry), [...(options.external ?? [])].sort()]),
  );
  const stored = join(NODE_BUNDLE_CACHE, `${key}.json`);
  if (existsSync(stored)) {
    try {
      const previous = JSON.parse(readFileSync(stored, 'utf8')) as StoredBundle;
      if (Object.entries(previous.inputs).every(([input, hash]) => fileHash(input) === hash)) {
        const contents = Buffer.from(previous.code, 'utf8');
        writeAtomically(outfile, contents);
        return { hash: sha256(contents), metafile: previous.metafile };
      }
    } catch {
      // A torn or foreign entry: bundle afresh and rewrite it.
    }
  }
  const result = buildSync({
    entryPoints: [resolve(entry)],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    write: false,
    metafile: true,
    external: [...(options.external ?? [])],
    // ESM bundles that contain CommonJS dependencies need a `require` in scope.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  writeAtomically(outfile, output.contents);
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((input) => [input, fileHash(input) ?? '']));
  // Inputs that are not plain files (esbuild's virtual modules) cannot be checked: such a bundle is not kept.
  if (Object.values(inputs).every((hash) => hash !== '')) {
    writeAtomically(
      stored,
      JSON.stringify({ metafile: result.metafile, inputs, code: output.text } satisfies StoredBundle),
    );
  }
  return { hash: sha256(output.contents), metafile: result.metafile };
};
