import { dirname, join, relative, resolve } from 'node:path';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { bundleNodeEntry } from './node-bundle.js';

/** Where bundles are written; ignored by git, rebuilt on demand. */
const BUNDLE_ROOT = resolve('.bundles');

/** Bundles made in this process: entry → folder and content hash. */
const bundles = new Map<string, { dir: string; hash: string }>();

export interface BundleOptions {
  /** Packages left out of the bundle (for example ones the Lambda runtime provides). @default none */
  readonly external?: readonly string[];
}

/**
 * Lambda code for a TypeScript entry point, bundled with esbuild once per
 * process and reused by every stack and construct that asks for it: a handler
 * shared by 1,000 customer stacks is built once, not 1,000 times. The asset
 * hash is the hash of the bundle, so an unchanged handler never redeploys.
 *
 * @param entry path of the handler module, relative to the repository root
 *   (for example `src/services/webhooks/webhook.lambda.ts`); it must export `handler`.
 */
export const bundledLambdaCode = (entry: string, options: BundleOptions = {}): Code => {
  const key = `${entry}|${(options.external ?? []).join(',')}`;
  const cached = bundles.get(key);
  // A Code object belongs to one stack; the bundle behind it is shared (CDK stages one copy per hash).
  if (cached) return Code.fromAsset(cached.dir, { assetHash: cached.hash });
  const name = relative(process.cwd(), resolve(entry)).replace(/[^a-zA-Z0-9]+/g, '-');
  const outfile = join(BUNDLE_ROOT, name, 'index.mjs');
  const { hash } = bundleNodeEntry(entry, outfile, options);
  bundles.set(key, { dir: dirname(outfile), hash });
  return Code.fromAsset(dirname(outfile), { assetHash: hash });
};

/** The Lambda handler string for a bundle made by `bundledLambdaCode`. */
export const BUNDLED_HANDLER = 'index.handler';
