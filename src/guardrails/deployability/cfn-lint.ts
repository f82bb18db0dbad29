import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { CheckOutcome, RehearsalFinding } from './model.js';
import { REHEARSAL_CHECKS } from './model.js';
import { onPath } from './on-path.js';
import type { LoadedTemplate } from './templates.js';

/**
 * cfn-lint (https://github.com/aws-cloudformation/cfn-lint) over every
 * template: each error is a finding, except the schema-lag exceptions of
 * one reviewed file. Each run re-checks the exceptions: one that no longer
 * matches anything is reported, so a fixed schema lag cannot hide a future
 * real error.
 */

/** The reviewed exceptions: `policies/cfn-lint-exceptions.json`. */
export const CFN_LINT_EXCEPTIONS_FILE = 'policies/cfn-lint-exceptions.json';

export interface CfnLintException {
  /** cfn-lint rule id, e.g. E3002. */
  readonly rule: string;
  /** The resource type the error is on. */
  readonly resourceType: string;
  /** A substring of cfn-lint's message (e.g. `'Tags' was unexpected`). */
  readonly messageContains: string;
  /** Why this is not a real error (schema lag, with evidence). */
  readonly reason: string;
}

export interface CfnLintExceptions {
  /** The cfn-lint version the exceptions were reviewed with. */
  readonly cfnLintVersion: string;
  readonly exceptions: readonly CfnLintException[];
}

export class CfnLintExceptionsInvalid extends Error {
  constructor(file: string, field: string, rule: string) {
    super(`${file}: ${field}: ${rule}`);
    this.name = 'CfnLintExceptionsInvalid';
  }
}

export const loadCfnLintExceptions = (file: string = CFN_LINT_EXCEPTIONS_FILE): CfnLintExceptions => {
  if (!existsSync(file)) return { cfnLintVersion: 'none', exceptions: [] };
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<CfnLintExceptions>;
  if (typeof raw.cfnLintVersion !== 'string')
    throw new CfnLintExceptionsInvalid(
      file,
      'cfnLintVersion',
      'the cfn-lint version the exceptions were reviewed with',
    );
  if (!Array.isArray(raw.exceptions)) throw new CfnLintExceptionsInvalid(file, 'exceptions', 'must be a list');
  raw.exceptions.forEach((e, i) => {
    for (const key of ['rule', 'resourceType', 'messageContains', 'reason'] as const)
      if (typeof e?.[key] !== 'string' || e[key].trim() === '')
        throw new CfnLintExceptionsInvalid(file, `exceptions[${i}].${key}`, 'required, a non-empty string');
  });
  return raw as CfnLintExceptions;
};

/** One cfn-lint match (its JSON output). */
export interface CfnLintMatch {
  readonly Rule: { readonly Id: string };
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Filename: string;
  readonly Message: string;
  readonly Location: { readonly Path: readonly (string | number)[] | null };
}

export class CfnLintUnavailable extends Error {
  constructor(reason: string) {
    super(`cfn-lint could not run: ${reason} (install it with: pip install cfn-lint)`);
    this.name = 'CfnLintUnavailable';
  }
}

let installedVersion: string | null | undefined;
/**
 * The cfn-lint version, asked once per process: from the package metadata of
 * `python3` (pip installs cfn-lint there; ~0.1 s), else from `cfn-lint
 * --version` (which imports all of cfn-lint: seconds).
 */
export const cfnLintVersion = (): string | null => {
  if (installedVersion !== undefined) return installedVersion;
  const metadata = spawnSync('python3', ['-c', "import importlib.metadata as m; print(m.version('cfn-lint'))"], {
    encoding: 'utf8',
  });
  const fromMetadata = metadata.status === 0 ? /^(\d+\.\d+\.\d+)/.exec(metadata.stdout.trim())?.[1] : undefined;
  if (fromMetadata && onPath('cfn-lint')) installedVersion = fromMetadata;
  else {
    const run = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    installedVersion = run.error || run.status !== 0 ? null : (/(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1] ?? null);
  }
  return installedVersion;
};

const LINT_ARGS = (files: readonly string[]) => ['--format', 'json', '--', ...files];

const parseLintOutput = (stdout: string, stderr: string, status: number | null): CfnLintMatch[] => {
  // cfn-lint prints `[]` when it finds nothing: no output at all is a crash or a kill, never a pass.
  if (stdout.trim() === '')
    throw new CfnLintUnavailable(`no output (exit ${status ?? 'by signal'}): ${stderr.slice(0, 500)}`);
  try {
    return JSON.parse(stdout) as CfnLintMatch[];
  } catch {
    throw new CfnLintUnavailable(`unexpected output (exit ${status}): ${(stderr || stdout).slice(0, 500)}`);
  }
};

/** Runs cfn-lint once over the files (JSON output). cfn-lint exits non-zero when it finds anything; only a crash throws. */
export const runCfnLint = (files: readonly string[]): CfnLintMatch[] => {
  if (files.length === 0) return [];
  const run = spawnSync('cfn-lint', LINT_ARGS(files), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw new CfnLintUnavailable(run.error.message);
  return parseLintOutput(run.stdout, run.stderr, run.status);
};

/** The parsed output of a cfn-lint child process, once it closes. */
const lintOutput = (child: ChildProcess): Promise<CfnLintMatch[]> =>
  new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new CfnLintUnavailable(error.message)));
    child.on('close', (status) => {
      try {
        resolve(parseLintOutput(Buffer.concat(out).toString('utf8'), Buffer.concat(err).toString('utf8'), status));
      } catch (error) {
        reject(error);
      }
    });
  });

/**
 * `runCfnLint` as a child process the event loop does not wait on: cfn-lint
 * takes seconds (its start alone ~1.5 s), and the compliance run checks IAM
 * requests on the main thread meanwhile.
 */
export const startCfnLint = (files: readonly string[]): Promise<CfnLintMatch[]> =>
  files.length === 0
    ? Promise.resolve([])
    : lintOutput(spawn('cfn-lint', LINT_ARGS(files), { stdio: ['ignore', 'pipe', 'pipe'] }));

/** cfn-lint's own entry point (`cfnlint.runner:main`), run once the file list arrives as a JSON line on stdin. */
const WARM_SCRIPT = [
  'import json, sys',
  'from cfnlint.runner import main',
  'files = json.loads(sys.stdin.readline() or "[]")',
  'if not files: sys.exit(0)',
  "sys.argv = ['cfn-lint', '--format', 'json', '--', *files]",
  'main()',
].join('\n');

/** A cfn-lint started before it has files. */
export interface WarmCfnLint {
  /** Lints the files (once; a warm cfn-lint serves one list). */
  readonly lint: (files: readonly string[]) => Promise<CfnLintMatch[]>;
  /** Ends it unused. */
  readonly close: () => void;
}

/**
 * A cfn-lint whose interpreter starts now and imports cfnlint (~1.3 s of
 * Python) while the caller synthesizes the templates it will lint; the same
 * entry point and output as the `cfn-lint` command. `python` must be the
 * interpreter cfn-lint is installed in. Close an unused one: it waits on stdin.
 */
export const warmCfnLint = (python: string): WarmCfnLint => {
  const child = spawn(python, ['-c', WARM_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = lintOutput(child);
  output.catch(() => undefined); // read by lint(); a closed, unused one is not awaited
  child.stdin.on('error', () => undefined); // a crashed interpreter: lintOutput reports it
  let used = false;
  return {
    lint: (files) => {
      if (used) return Promise.reject(new Error('a warm cfn-lint lints one list of files'));
      used = true;
      if (files.length === 0) {
        child.stdin.end('[]\n');
        return Promise.resolve([]);
      }
      child.stdin.end(`${JSON.stringify(files)}\n`);
      return output;
    },
    close: () => {
      if (used) return;
      used = true;
      child.stdin.end('[]\n');
    },
  };
};

const FIX: Record<string, string> = {
  E3031:
    "keep the value inside the pattern cfn-lint names (IAM descriptions: printable ASCII and U+00A1-U+00FF; write ' not ’)",
  E3002: 'remove the property the resource type does not have, or record a reviewed schema-lag exception',
};

/** The schema check: cfn-lint errors not covered by an exception, and exceptions that no longer fire. */
export const schemaCheck = (
  templates: readonly LoadedTemplate[],
  options: {
    exceptionsFile?: string;
    matches?: readonly CfnLintMatch[];
    /** The cfn-lint version, when the caller has read it already (`cfnLintVersion` blocks on a Python start). */
    version?: string | null;
  } = {},
): CheckOutcome => {
  const files = templates.filter((t) => !t.stackSet).map((t) => t.file);
  const exceptionsFile = options.exceptionsFile ?? CFN_LINT_EXCEPTIONS_FILE;
  const exceptions = loadCfnLintExceptions(exceptionsFile);
  const version = options.version !== undefined ? options.version : cfnLintVersion();
  const matches = options.matches ?? runCfnLint(files);
  const byFile = new Map(templates.map((t) => [basename(t.file), t]));
  const used = new Set<number>();
  const findings: RehearsalFinding[] = [];
  const notes: string[] = [];
  for (const m of matches) {
    if (m.Level !== 'Error') continue;
    const template = byFile.get(basename(m.Filename));
    const path = m.Location.Path ?? [];
    const resource = path[0] === 'Resources' && path[1] !== undefined ? String(path[1]) : '-';
    const type = template?.body.Resources?.[resource]?.Type ?? '';
    const exception = exceptions.exceptions.findIndex(
      (e) => e.rule === m.Rule.Id && e.resourceType === type && m.Message.includes(e.messageContains),
    );
    if (exception >= 0) {
      used.add(exception);
      continue;
    }
    findings.push({
      check: 'schema',
      template: basename(m.Filename),
      resource,
      message: `cfn-lint ${m.Rule.Id} at ${path.join('/')}${type ? ` (${type})` : ''}: ${m.Message}`,
      fix:
        FIX[m.Rule.Id] ??
        `fix what cfn-lint ${m.Rule.Id} names (https://github.com/aws-cloudformation/cfn-lint/blob/main/docs/rules.md)`,
    });
  }
  exceptions.exceptions.forEach((e, i) => {
    if (used.has(i)) return;
    findings.push({
      check: 'schema',
      template: exceptionsFile,
      resource: `${e.rule} on ${e.resourceType}`,
      message: `the cfn-lint exception "${e.messageContains}" no longer matches any error (cfn-lint ${version ?? 'unknown'})`,
      fix: `remove this exception from ${exceptionsFile}: the schema lag it covered is gone`,
    });
  });
  if (version && exceptions.exceptions.length > 0 && version !== exceptions.cfnLintVersion)
    notes.push(
      `exceptions reviewed with cfn-lint ${exceptions.cfnLintVersion}, this run used ${version}: review ${exceptionsFile} again`,
    );
  const warnings = matches.filter((m) => m.Level === 'Warning');
  if (warnings.length > 0) {
    const rules = [...new Set(warnings.map((w) => w.Rule.Id))].sort().join(', ');
    notes.push(`${warnings.length} cfn-lint warning(s) not counted as findings (${rules})`);
  }
  notes.push(
    `cfn-lint ${version ?? 'unknown'}; ${exceptions.exceptions.length} reviewed exception(s) in ${exceptionsFile}`,
  );
  return { check: 'schema', title: REHEARSAL_CHECKS.schema, evaluated: files.length, findings, notes };
};
