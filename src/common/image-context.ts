import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import type { IConstruct } from 'constructs';
import { copyFolderInto } from './asset-files.js';
import { bundleNodeEntry } from './node-bundle.js';
import { oncePerApp } from './per-app.js';

/**
 * The container images the stacks run, each built by `cdk deploy` from a
 * folder of this repository (a CDK image asset): the folder holds the
 * Dockerfile and its .dockerignore, and synth writes the entry point's bundle
 * (and any data it reads at run time) into its `dist/`, ignored by git.
 */
export interface WorkerImage {
  /** The build context, relative to the repository root. */
  readonly context: string;
  /** The TypeScript entry point, relative to the repository root; bundled to `dist/main.mjs`. */
  readonly entry: string;
  /** Folders of the repository the worker reads at run time, copied into `dist/` under the same name. */
  readonly data: readonly string[];
}

export const WORKER_IMAGES = {
  /** Fargate connector worker: every platform's connector, off the connector-jobs queue. */
  connectorWorker: { context: 'images/connector-worker', entry: 'src/services/queue/worker.main.ts', data: [] },
  /** Whisper fleet worker: transcription jobs; reads the blueprint for each customer's Whisper model. */
  transcriptionWorker: {
    context: 'images/transcription-worker',
    entry: 'src/services/transcription/worker.main.ts',
    data: ['blueprint'],
  },
} as const satisfies Record<string, WorkerImage>;

export type WorkerImageName = keyof typeof WORKER_IMAGES;

/** The file name of the bundle inside `dist/` (the Dockerfiles' entry point). */
export const IMAGE_BUNDLE_FILE = 'main.mjs';

export interface PreparedImageContext {
  /** Absolute path of the build context. */
  readonly directory: string;
  /** Imports the bundle leaves to the runtime (every one must be a Node.js built-in). */
  readonly runtimeImports: readonly string[];
}

const isBuiltin = (specifier: string): boolean =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string);

/**
 * Writes an image's `dist/` (bundle and data) and returns its build context
 * (a stack asks through `imageContextFor`, once per App). Refuses a bundle that leaves a package import to the runtime:
 * the image has no node_modules, so such an import would fail only when the
 * container starts.
 */
export const prepareImageContext = (name: WorkerImageName, root = process.cwd()): PreparedImageContext => {
  const image: WorkerImage = WORKER_IMAGES[name];
  const directory = resolve(root, image.context);
  const dist = join(directory, 'dist');
  const { metafile } = bundleNodeEntry(resolve(root, image.entry), join(dist, IMAGE_BUNDLE_FILE));
  for (const folder of image.data) copyFolderInto(resolve(root, folder), join(dist, folder));
  const runtimeImports = [
    ...new Set(Object.values(metafile.outputs).flatMap((output) => output.imports.map((i) => i.path))),
  ].sort();
  const missing = runtimeImports.filter((specifier) => !isBuiltin(specifier));
  if (missing.length > 0)
    throw new Error(
      `${image.entry}: the bundle for ${image.context} imports ${missing.join(', ')} at run time, which the image does not contain`,
    );
  return { directory, runtimeImports };
};

/** An image's build context, prepared once for the App `scope` belongs to, however many stacks build it. */
export const imageContextFor = (scope: IConstruct, name: WorkerImageName): PreparedImageContext =>
  oncePerApp(scope, `image-context:${name}`, () => prepareImageContext(name));
