import { dirname, join, relative, resolve } from 'node:path';
import { Code } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { bundleNodeEntry } from './node-bundle.js';
import { oncePerApp } from './per-app.js';

/** Where bundles are written; ignored by git, rebuilt on demand. */
const BUNDLE_ROOT = resolve('.bundles');

export interface BundleOptions {
  /** Packages left out of the bundle (for example ones the Lambda runtime provides). @default none */
  readonly external?: readonly string[];
}

/**
 * Lambda code for a TypeScript entry point, bundled with esbuild once per App
 * and reused by every stack and construct of the App that asks for it: a handler
 * shared by 1,000 customer stacks is built once, not 1,000 times. The asset
 * hash is the hash of the bundle, so an unchanged handler never redeploys.
 *
 * @param scope any construct of the App the code is for
 * @param entry path of the handler module, relative to the repository root
 *   (for example `src/services/webhooks/webhook.lambda.ts`); it must export `handler`.
 */
export const bundledLambdaCode = (scope: IConstruct, entry: string, options: BundleOptions = {}): Code => {
  const key = `lambda-bundle:${entry}|${(options.external ?? []).join(',')}`;
  const { dir, hash } = oncePerApp(scope, key, () => {
    const name = relative(process.cwd(), resolve(entry)).replace(/[^a-zA-Z0-9]+/g, '-');
    const outfile = join(BUNDLE_ROOT, name, 'index.mjs');
    return { dir: dirname(outfile), hash: bundleNodeEntry(entry, outfile, options).hash };
  });
  // A Code object belongs to one stack; the bundle behind it is shared (CDK stages one copy per hash).
  return Code.fromAsset(dir, { assetHash: hash });
};

/** The Lambda handler string for a bundle made by `bundledLambdaCode`. */
export const BUNDLED_HANDLER = 'index.handler';
