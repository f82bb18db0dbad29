import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type CfnLintMatch, cfnLintVersion, startCfnLint, type WarmCfnLint } from '../deployability/cfn-lint.js';
import type { CheckOutcome, RehearsalReport } from '../deployability/model.js';
import { launchMotoServer, motoAvailable } from '../deployability/moto-server.js';
import { onPath } from '../deployability/on-path.js';
import { rehearseTemplates } from '../deployability/rehearse.js';
import { sdkStepsCheck, type sdkStepsInputs, sdkStepsInputsOf } from '../deployability/sdk-steps.js';
import { memoizedSimulator, type SimOutcome } from '../deployability/simulate.js';
import { loadTemplates } from '../deployability/templates.js';
import { POLICIES_DIR, REPO_ROOT } from '../paths.js';
import { digest, fileDigest, type ResultCache, treeDigest } from './result-cache.js';

/**
 * The deploy rehearsal answered from the result cache: cfn-lint per
 * template (its matches depend on that file and the cfn-lint version only),
 * the SDK steps by what they read of the blueprint, and the whole rehearsal by every template
 * and the blueprint. The organization-wide keys include the project's code,
 * policies and locked dependencies: the rehearsal synthesizes and plans
 * with them.
 */

const run = (command: string, args: readonly string[]): Promise<string | null> =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? Buffer.concat(out).toString('utf8') : null));
  });

const VERSIONS_SCRIPT = [
  'import importlib.metadata as m',
  "for p in ('cfn-lint', 'moto'):",
  '    try: print(p, m.version(p))',
  "    except Exception: print(p, '-')",
].join('\n');

/** The tool versions the cache keys name. */
export interface RehearsalTools {
  readonly cfnLint: string;
  readonly moto: string;
  /** cfn-lint's version came from `python3`'s packages and the command is on PATH: `warmCfnLint('python3')` runs it. */
  readonly cfnLintInPython3: boolean;
}

let versions: Promise<RehearsalTools> | undefined;
/**
 * The installed cfn-lint and moto versions, read from the Python package
 * metadata (one interpreter start, ~0.1 s; `cfn-lint --version` imports all
 * of cfn-lint, seconds), falling back to cfn-lint itself where the metadata
 * is not on `python3`'s path. Started early: it overlaps with synth.
 */
export const rehearsalToolVersions = (): Promise<RehearsalTools> => {
  versions ??= run('python3', ['-c', VERSIONS_SCRIPT]).then((out) => {
    const found = new Map(
      (out ?? '')
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    const fromPython = found.get('cfn-lint');
    // As cfnLintVersion reads it: the package's version where the command is on PATH.
    const cfnLintInPython3 = fromPython !== undefined && fromPython !== '-' && onPath('cfn-lint');
    return {
      cfnLint: cfnLintInPython3 ? (fromPython ?? '') : (cfnLintVersion() ?? 'absent'),
      moto: found.get('moto') ?? '-',
      cfnLintInPython3,
    };
  });
  return versions;
};

/** The project's code, policies and locked dependencies: what every organization-wide check runs with. */
export const projectCodeDigest = (): string =>
  digest(
    treeDigest([join(REPO_ROOT, 'src')], (name) => name.endsWith('.ts') || name.endsWith('.json')),
    treeDigest([POLICIES_DIR]),
    fileDigest(join(REPO_ROOT, 'package-lock.json')),
  );

/** Every file of the cloud assembly the rehearsal reads: the templates and the manifest. */
const assemblyDigest = (outdir: string): string =>
  digest(
    ...readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json') || f === 'manifest.json')
      .sort()
      .flatMap((f) => [f, fileDigest(join(outdir, f))]),
  );

export interface CachedRehearsalOptions {
  readonly blueprintDir: string;
  /** Run the SDK steps against moto_server. */
  readonly sdk: boolean;
  readonly exceptionsFile?: string;
  /** The SDK steps already started (they need the blueprint only, so the run starts them before synth). */
  readonly sdkSteps?: Promise<CheckOutcome>;
  /** The cfn-lint and moto versions the keys name. @default rehearsalToolVersions() */
  readonly tools?: RehearsalTools;
  /** cfn-lint's matches for `outdir`, already started (`cachedLint`) right after synth. */
  readonly lint?: Promise<CfnLintMatch[]>;
}

/** cfn-lint matches per template file, each answered from the cache or from one cfn-lint run over the misses. */
export const cachedLint = async (
  cache: ResultCache,
  files: readonly string[],
  cfnLint: string,
  /** A cfn-lint started earlier (`warmCfnLint`): lints the misses, or is closed when there are none. */
  warm?: WarmCfnLint,
): Promise<CfnLintMatch[]> => {
  const keyOf = (file: string) => digest('cfn-lint', cfnLint, fileDigest(file));
  const byFile = new Map<string, CfnLintMatch[]>();
  const missing: string[] = [];
  for (const file of files) {
    const stored = cache.get<CfnLintMatch[]>('cfn-lint', keyOf(file));
    if (stored)
      byFile.set(
        file,
        stored.map((m) => ({ ...m, Filename: file })),
      );
    else missing.push(file);
  }
  if (missing.length === 0) warm?.close();
  else {
    const matches = await (warm ? warm.lint(missing) : startCfnLint(missing));
    for (const file of missing) {
      const own = matches.filter((m) => basename(m.Filename) === basename(file));
      byFile.set(file, own);
      cache.put('cfn-lint', keyOf(file), own);
    }
  }
  return files.flatMap((file) => byFile.get(file) ?? []);
};

/**
 * The IAM simulations of the rehearsal, kept by request across runs: a
 * one-customer change re-evaluates only the requests its templates changed.
 * Keyed by the project's code and lockfile (simulate.ts, iam-simulate and
 * iam-data are among them); the entry is rewritten with the requests of this
 * run only, so it never grows past one organization's worth.
 */
const cachedSimulator = (cache: ResultCache) => {
  const key = digest('simulations', projectCodeDigest());
  const stored = cache.get<Record<string, SimOutcome>>('simulations', key);
  const memo = memoizedSimulator(new Map(Object.entries(stored ?? {})));
  return { simulate: memo.simulate, save: () => cache.put('simulations', key, Object.fromEntries(memo.used)) };
};

/**
 * The SDK steps, answered by what they read (`sdkStepsInputs`: the
 * organization's part of the blueprint and what the app's deploy plan and
 * preflight take from it), the code and moto's version, or started now: on a
 * miss moto_server is spawned before this returns, so the emulator boots
 * (~1.5 s of Python) while the caller synthesizes.
 */
export const startSdkSteps = async (
  cache: ResultCache,
  blueprintDir: string,
  inputs: ReturnType<typeof sdkStepsInputs>,
  moto?: string,
): Promise<{ readonly outcome: Promise<CheckOutcome> }> => {
  const version = moto ?? (await rehearsalToolVersions()).moto;
  const key = digest('sdk-steps', projectCodeDigest(), version, JSON.stringify(inputs));
  const stored = cache.get<CheckOutcome>('sdk-steps', key);
  if (stored) return { outcome: Promise.resolve(stored) };
  const server = motoAvailable() ? (await launchMotoServer(version === '-' ? {} : { version })).ready : undefined;
  // Awaited by the steps below; this only keeps a failed start (before then) from being unhandled.
  server?.catch(() => undefined);
  const outcome = sdkStepsCheck({ blueprintDir, ...(server ? { server } : {}) }).then((result) => {
    cache.put('sdk-steps', key, result);
    return result;
  });
  outcome.catch(() => undefined); // awaited by the rehearsal, after synth
  return { outcome };
};

/** The template files cfn-lint checks: each file once (a StackSet's embedded template is linted with its file). */
export const lintedFiles = (outdir: string): string[] => [
  ...new Set(
    loadTemplates(outdir)
      .filter((t) => !t.stackSet)
      .map((t) => t.file),
  ),
];

/** The deploy rehearsal of `outdir`, from the cache where every input is unchanged. */
export const cachedRehearsal = async (
  cache: ResultCache,
  outdir: string,
  options: CachedRehearsalOptions,
): Promise<RehearsalReport> => {
  const tools = options.tools ?? (await rehearsalToolVersions());
  const exceptionsFile = options.exceptionsFile ?? join(POLICIES_DIR, 'cfn-lint-exceptions.json');
  const key = digest(
    'rehearsal',
    projectCodeDigest(),
    tools.cfnLint,
    tools.moto,
    String(options.sdk),
    assemblyDigest(outdir),
    treeDigest([options.blueprintDir]),
    existsSync(exceptionsFile) ? fileDigest(exceptionsFile) : 'absent',
  );
  const stored = cache.get<RehearsalReport>('rehearsal', key);
  if (stored) return stored;
  // cfn-lint runs in its own process while the IAM requests are evaluated here.
  const lint = options.lint ?? cachedLint(cache, lintedFiles(outdir), tools.cfnLint);
  // Awaited by the rehearsal after the IAM checks; this only keeps a failure before then from being unhandled.
  lint.catch(() => undefined);
  const simulator = cachedSimulator(cache);
  const report = await rehearseTemplates(outdir, {
    blueprintDir: options.blueprintDir,
    ...(options.exceptionsFile ? { exceptionsFile: options.exceptionsFile } : {}),
    cfnLintMatches: lint,
    cfnLintVersion: tools.cfnLint === 'absent' ? null : tools.cfnLint,
    simulate: simulator.simulate,
    ...(options.sdk
      ? {
          extraChecks: async () =>
            options.sdkSteps ??
            (await startSdkSteps(cache, options.blueprintDir, sdkStepsInputsOf(options.blueprintDir), tools.moto))
              .outcome,
        }
      : {}),
  });
  simulator.save();
  cache.put('rehearsal', key, report);
  return report;
};
