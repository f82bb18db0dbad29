import { basename } from 'node:path';
import { buildOrganization } from '../../app.js';
import { loadBlueprint } from '../../config/index.js';
import { sdkStepsInputs } from '../deployability/sdk-steps.js';
import { applyGuardrails } from '../index.js';
import { cachedDatabase, cachedGuard } from './cached-checks.js';
import { cachedLint, lintedFiles, rehearsalToolVersions, startSdkSteps } from './cached-rehearsal.js';
import { inventory } from './inventory.js';
import type { ResultCache } from './result-cache.js';
import { newComplianceApp, type OrganizationRunOptions } from './run.js';

/**
 * Past one machine: `--shard k/n` checks a deterministic slice of the
 * organization's templates (every n-th by file name, from the k-th) and
 * stores the results in its result cache; shard 1 also runs the
 * organization-wide checks (database layer, SDK steps). `compliance:merge`
 * joins the shards' caches and runs the whole check, every result then
 * answered from them: the report is the one a single run writes.
 */
export interface Shard {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

export class ShardInvalid extends Error {
  constructor(text: string) {
    super(`--shard ${text}: expected k/n with 1 ≤ k ≤ n (e.g. --shard 2/4)`);
    this.name = 'ShardInvalid';
  }
}

export const parseShard = (text: string): Shard => {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || count < 1 || index > count) throw new ShardInvalid(text);
  return { index, count };
};

/** The shard's files: sorted by file name, every `count`-th from the `index`-th (customers spread evenly). */
export const inShard = (files: readonly string[], shard: Shard): string[] =>
  [...files]
    .sort((a, b) => (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0))
    .filter((_, i) => i % shard.count === shard.index - 1);

export interface ShardSummary {
  readonly shard: Shard;
  /** Templates this shard checked, of all the organization's. */
  readonly templates: number;
  readonly of: number;
}

/** Synthesizes the organization as the compliance run does and checks this shard's slice into the cache. */
export const checkOrganizationShard = async (
  options: OrganizationRunOptions & { readonly cache: ResultCache; readonly shard: Shard },
): Promise<ShardSummary> => {
  const { cache, shard } = options;
  const blueprintDir = options.blueprintDir ?? 'blueprint';
  const outdir = options.outdir ?? 'cdk.out';
  const tools = options.rehearsal ? rehearsalToolVersions() : undefined;
  const app = newComplianceApp({ outdir });
  const blueprint = loadBlueprint(blueprintDir);
  const stacks = buildOrganization(app, blueprint);
  const inputs = sdkStepsInputs(blueprint, app, stacks); // read before synth adds the guardrails' constructs
  // The same guardrails as the full run: the templates (and so the cache keys) are the ones it will synthesize.
  const applied = applyGuardrails(app, { guard: 'deferred' });
  const templates = inventory(app, app.synth()).map((s) => s.templateFile);
  const mine = inShard(templates, shard);
  const first = shard.index === 1;
  await Promise.all([
    cachedGuard(cache, {
      ruleFiles: applied.guardRules.map((r) => r.path),
      templates: mine,
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    }),
    first && options.database !== false ? cachedDatabase(cache, options.database ?? {}) : undefined,
  ]);
  if (tools && options.rehearsal) {
    const { cfnLint, moto } = await tools;
    await cachedLint(cache, inShard(lintedFiles(outdir), shard), cfnLint);
    if (first && options.rehearsal.sdk) await (await startSdkSteps(cache, blueprintDir, inputs, moto)).outcome;
  }
  return { shard, templates: mine.length, of: templates.length };
};
