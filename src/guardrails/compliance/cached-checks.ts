import { join } from 'node:path';
import { type DatabaseCheckOptions, pgliteVersion, runDatabaseChecks } from '../database/run.js';
import { runGuardBatched } from '../guard/batch-runner.js';
import { cfnGuardBinary } from '../guard/cfn-guard-binary.js';
import type { GuardFailure, GuardStatus, GuardTemplateResult } from '../guard/guard-output.js';
import { REPO_ROOT } from '../paths.js';
import type { DatabaseEvidence } from './model.js';
import { digest, fileDigest, type ResultCache, treeDigest } from './result-cache.js';

/**
 * The guard and database layers answered from the result cache where their
 * inputs are unchanged, run where they are not. What each key covers is
 * everything its check reads: a change to any of it is a miss.
 */

const SRC = join(REPO_ROOT, 'src');
const isSource = (name: string) => name.endsWith('.ts');

/** One cfn-guard verdict as stored (Maps as entry lists; the template path is the caller's, not stored). */
interface StoredGuardResult {
  readonly statuses: [string, GuardStatus][];
  readonly failures: [string, GuardFailure[]][];
}

/**
 * What a template's cfn-guard verdict depends on besides the template: the
 * rule files (names and contents, in order), the cfn-guard binary, and the
 * code that runs it and reads its output.
 */
export const guardFingerprint = (ruleFiles: readonly string[], tool = fileDigest(cfnGuardBinary())): string =>
  digest(
    'cfn-guard',
    tool,
    treeDigest([join(SRC, 'guardrails', 'guard')], isSource),
    ...ruleFiles.flatMap((file) => [file.slice(file.lastIndexOf('/') + 1), fileDigest(file)]),
  );

export interface CachedGuardOptions {
  readonly ruleFiles: readonly string[];
  readonly templates: readonly string[];
  readonly concurrency?: number;
  /** The cfn-guard build the key names. @default the SHA-256 of the bundled binary */
  readonly tool?: string;
}

/** cfn-guard over the templates whose (template, rules, tool) key is not stored; results in template order. */
export const cachedGuard = async (cache: ResultCache, options: CachedGuardOptions): Promise<GuardTemplateResult[]> => {
  const fingerprint = guardFingerprint(options.ruleFiles, options.tool);
  const keys = options.templates.map((template) => digest(fingerprint, fileDigest(template)));
  const results: (GuardTemplateResult | undefined)[] = options.templates.map((template, i) => {
    const stored = cache.get<StoredGuardResult>('guard', keys[i] as string);
    return stored && { template, statuses: new Map(stored.statuses), failures: new Map(stored.failures) };
  });
  const missing = options.templates.filter((_, i) => results[i] === undefined);
  if (missing.length > 0) {
    const fresh = await runGuardBatched({
      ruleFiles: options.ruleFiles,
      templates: missing,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    });
    const byTemplate = new Map(fresh.map((r) => [r.template, r]));
    options.templates.forEach((template, i) => {
      if (results[i]) return;
      const result = byTemplate.get(template);
      if (!result) return;
      results[i] = result;
      cache.put('guard', keys[i] as string, {
        statuses: [...result.statuses],
        failures: [...result.failures].map(([rule, list]) => [rule, [...list]]),
      } satisfies StoredGuardResult);
    });
  }
  return results.filter((r): r is GuardTemplateResult => r !== undefined);
};

/** What the database layer's evidence depends on: the migrations, the PGlite version and the checking code. */
export const databaseFingerprint = (options: DatabaseCheckOptions): string =>
  digest(
    'database',
    treeDigest([options.migrationsDir ?? join(REPO_ROOT, 'sql')]),
    pgliteVersion(),
    treeDigest(
      [join(SRC, 'guardrails', 'database'), join(SRC, 'services', 'db'), join(SRC, 'guardrails', 'compliance')],
      isSource,
    ),
  );

/** The database checks, or their stored evidence when the migrations, PGlite and the checks are unchanged. */
export const cachedDatabase = async (cache: ResultCache, options: DatabaseCheckOptions): Promise<DatabaseEvidence> => {
  const key = databaseFingerprint(options);
  const stored = cache.get<DatabaseEvidence>('database', key);
  if (stored) return stored;
  const evidence = await runDatabaseChecks(options);
  cache.put('database', key, evidence);
  return evidence;
};
