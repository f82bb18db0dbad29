import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildSync, type Metafile } from 'esbuild';

export interface NodeBundle {
  /** SHA-256 of the bundle's bytes (hex). */
  readonly hash: string;
  /** esbuild's metafile: every input the bundle holds and every import it leaves to the runtime. */
  readonly metafile: Metafile;
}

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
  mkdirSync(dirname(outfile), { recursive: true });
  const temporary = `${outfile}.${process.pid}.tmp`;
  writeFileSync(temporary, output.contents);
  renameSync(temporary, outfile);
  return { hash: createHash('sha256').update(output.contents).digest('hex'), metafile: result.metafile };
};
