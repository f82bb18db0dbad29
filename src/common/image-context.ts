import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import type { IConstruct } from 'constructs';
import { WHISPER_CUSTOMERS_FILE, type WhisperCustomer, whisperCustomersJson } from '../contracts/whisper-customers.js';
import { bundleNodeEntry } from './node-bundle.js';
import { oncePerApp } from './per-app.js';

/**
 * The container images the stacks run, each built by `cdk deploy` (a CDK
 * image asset) from a folder of this repository holding the Dockerfile and
 * its .dockerignore, with the entry point's bundle (and the files the stack
 * gives the image to carry) in `dist/`; synth stages that context, see
 * `prepareImageContext`.
 */
export interface WorkerImage {
  /** The folder holding the Dockerfile and .dockerignore, relative to the repository root. */
  readonly context: string;
  /** The TypeScript entry point, relative to the repository root; bundled to `dist/main.mjs`. */
  readonly entry: string;
}

export const WORKER_IMAGES = {
  /** Fargate connector worker: every platform's connector, off the connector-jobs queue. */
  connectorWorker: { context: 'images/connector-worker', entry: 'src/services/queue/worker.main.ts' },
  /** Whisper fleet worker: transcription jobs; carries each customer's Whisper model (contracts/whisper-customers). */
  transcriptionWorker: {
    context: 'images/transcription-worker',
    entry: 'src/services/transcription/worker.main.ts',
  },
} as const satisfies Record<string, WorkerImage>;

/** Files an image carries beside its bundle, by name in `dist/` → contents (written at synth). */
export type ImageFiles = Readonly<Record<string, string>>;

export type WorkerImageName = keyof typeof WORKER_IMAGES;

/**
 * What each image carries beside its bundle for an organization's customers:
 * the transcription worker each customer's Whisper model and nothing else of
 * the blueprint, so only a customer added or a model changed rebuilds its
 * image (and rolls the GPU fleet).
 */
export const workerImageFiles = (customers: readonly WhisperCustomer[]): Record<WorkerImageName, ImageFiles> => ({
  connectorWorker: {},
  transcriptionWorker: { [WHISPER_CUSTOMERS_FILE]: whisperCustomersJson(customers) },
});

/** The file name of the bundle inside `dist/` (the Dockerfiles' entry point). */
export const IMAGE_BUNDLE_FILE = 'main.mjs';

export interface PreparedImageContext {
  /** Absolute path of the build context (staged: `.bundles/images/<name>-<digest>`). */
  readonly directory: string;
  /** Imports the bundle leaves to the runtime (every one must be a Node.js built-in). */
  readonly runtimeImports: readonly string[];
}

const isBuiltin = (specifier: string): boolean =>
  specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0] as string);

/** Where staged build contexts are kept (ignored by git): one folder per distinct content, never rewritten. */
const STAGED_CONTEXTS = '.bundles/images';

const sha256 = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Puts a build context together in `into` (Dockerfile, .dockerignore, the
 * bundle and `files` under `dist/`), unless it is already there. `into` is
 * named by the digest of everything it holds, so it never changes once made:
 * processes that synthesize in parallel (tests) each find it whole or make it
 * beside it and rename it in, and one whose rename loses keeps the winner's
 * identical copy.
 */
const stageContext = (source: string, bundle: string, files: ImageFiles, into: string) => {
  if (existsSync(into)) return;
  const temporary = `${into}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  mkdirSync(join(temporary, 'dist'), { recursive: true });
  for (const file of ['Dockerfile', '.dockerignore']) copyFileSync(join(source, file), join(temporary, file));
  copyFileSync(bundle, join(temporary, 'dist', IMAGE_BUNDLE_FILE));
  for (const [file, contents] of Object.entries(files)) writeFileSync(join(temporary, 'dist', file), contents);
  try {
    renameSync(temporary, into);
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(into)) throw error;
  }
};

/**
 * An image's build context: the Dockerfile and .dockerignore of its folder
 * under images/, and a `dist/` holding the entry point's bundle and `files`
 * (what the stack gives the image to carry), staged in a folder of its own
 * per content (`.bundles/images/<name>-<digest>`), so two Apps with
 * different files never write into one folder. Refuses a bundle that leaves a
 * package import to the runtime: the image has no node_modules, so such an
 * import would fail only when the container starts.
 */
export const prepareImageContext = (
  name: WorkerImageName,
  files: ImageFiles = {},
  root = process.cwd(),
): PreparedImageContext => {
  const image: WorkerImage = WORKER_IMAGES[name];
  const source = resolve(root, image.context);
  const bundle = resolve(root, STAGED_CONTEXTS, `${name}.mjs`);
  const { hash, metafile } = bundleNodeEntry(resolve(root, image.entry), bundle);
  const runtimeImports = [
    ...new Set(Object.values(metafile.outputs).flatMap((output) => output.imports.map((i) => i.path))),
  ].sort();
  const missing = runtimeImports.filter((specifier) => !isBuiltin(specifier));
  if (missing.length > 0)
    throw new Error(
      `${image.entry}: the bundle for ${image.context} imports ${missing.join(', ')} at run time, which the image does not contain`,
    );
  const digest = sha256(
    JSON.stringify([
      hash,
      sha256(readFileSync(join(source, 'Dockerfile'))),
      sha256(readFileSync(join(source, '.dockerignore'))),
      Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ]),
  );
  const directory = resolve(root, STAGED_CONTEXTS, `${name}-${digest.slice(0, 16)}`);
  stageContext(source, bundle, files, directory);
  return { directory, runtimeImports };
};

/**
 * An image's build context, prepared once for the App `scope` belongs to,
 * however many stacks build it (every caller of one App gives the same files).
 */
export const imageContextFor = (
  scope: IConstruct,
  name: WorkerImageName,
  files: ImageFiles = {},
): PreparedImageContext => oncePerApp(scope, `image-context:${name}`, () => prepareImageContext(name, files));
