import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { cfnGuardBinary } from './cfn-guard-binary.js';
import { GuardRunFailed } from './errors.js';
import { type GuardTemplateResult, parseGuardJson } from './guard-output.js';

export interface GuardBatchOptions {
  /** `.guard` files to run on every template. */
  readonly ruleFiles: readonly string[];
  /** Template files (absolute paths). */
  readonly templates: readonly string[];
  /**
   * cfn-guard processes running at once.
   * @default the machine's available parallelism
   */
  readonly concurrency?: number;
  /**
   * Most templates per cfn-guard call: one call parses the rules once
   * (~0.2 s here), so larger batches are cheaper; the cap bounds one call's
   * output and command line.
   * @default 200
   */
  readonly maxBatchSize?: number;
}

/** cfn-guard's exit codes: 0 every rule passed or skipped, 19 some rule failed; anything else is an error. */
const OK_EXIT_CODES = new Set([0, 19]);

const runOnce = (ruleFiles: readonly string[], templates: readonly string[]): Promise<GuardTemplateResult[]> =>
  new Promise((resolve, reject) => {
    const args = [
      'validate',
      ...ruleFiles.flatMap((r) => ['--rules', r]),
      ...templates.flatMap((t) => ['--data', t]),
      '--output-format',
      'json',
      '--show-summary',
      'none',
      '--structured',
    ];
    const child = spawn(cfnGuardBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => reject(new GuardRunFailed({ exitCode: null, templates, stderr: error.message })));
    child.on('close', (code) => {
      const fail = () =>
        reject(new GuardRunFailed({ exitCode: code, templates, stderr: Buffer.concat(stderr).toString('utf8') }));
      if (code === null || !OK_EXIT_CODES.has(code)) return fail();
      try {
        resolve(parseGuardJson(Buffer.concat(stdout).toString('utf8')));
      } catch {
        fail();
      }
    });
  });

/** Splits `items` into `count` near-equal consecutive chunks of at most `max` items. */
export const batches = <T>(items: readonly T[], count: number, max: number): T[][] => {
  if (items.length === 0) return [];
  const size = Math.min(max, Math.ceil(items.length / Math.max(1, count)));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Runs cfn-guard over many templates: a few calls with many templates each,
 * `concurrency` at a time. Results come back in template order, whatever
 * order the calls finish in.
 */
export const runGuardBatched = async (options: GuardBatchOptions): Promise<GuardTemplateResult[]> => {
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const chunks = batches(options.templates, concurrency, options.maxBatchSize ?? 200);
  const results: GuardTemplateResult[][] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const index = next++;
      results[index] = await runOnce(options.ruleFiles, chunks[index] as string[]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return results.flat();
};
