import { readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
  PolicyViolationBeta1,
} from 'aws-cdk-lib';
import { digest, fileDigest, type ResultCache, treeDigest } from '../compliance/result-cache.js';
import { CONTROL_TOWER_RULES_DIR } from '../paths.js';
import type { GuardRuleFile } from './rule-files.js';

/** The plugin name the validator reports under: acknowledgement ids start with `cdk-validator-cfnguard::`. */
export const GUARD_PLUGIN_NAME = 'cdk-validator-cfnguard';

/**
 * `@cdklabs/cdk-validator-cfnguard` with one fix: it reports violations with
 * no severity, and CDK then treats a report that had *any* acknowledged
 * finding as a success, so every other (unacknowledged) Guard finding stops
 * failing synth. This wrapper gives each violation the severity `error`, so
 * an unacknowledged violation always fails synth.
 */
export class SeverityEnforcingGuardValidator implements IPolicyValidationPluginBeta1 {
  readonly name: string;
  readonly version?: string;
  readonly ruleIds?: string[];
  private readonly inner: CfnGuardValidator;
  private readonly cache: GuardPluginCache | undefined;

  constructor(inner: CfnGuardValidator, cache?: GuardPluginCache) {
    this.inner = inner;
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
    this.cache = cache;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.cache ? validateCached(this.inner, this.cache, context) : this.inner.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }
}

/**
 * Where the synth-time Guard check keeps its verdicts, per template: `npx projen deploy` synthesizes the
 * whole app once per `cdk deploy` step, and each synth would otherwise run cfn-guard over every stack again.
 */
export interface GuardPluginCache {
  readonly store: ResultCache;
  /** Everything besides the template that the verdict depends on (rules, validator, cfn-guard). */
  readonly fingerprint: string;
}

const CACHE_LAYER = 'guard-plugin';

/**
 * The validator's report, from stored verdicts for templates seen before (same bytes, same fingerprint) and
 * from one cfn-guard run over the rest. A fresh violation is stored under the template of each resource it
 * names; when one names a resource outside the templates it was run on, nothing is stored (no verdict is
 * ever kept that could hide a finding).
 */
const validateCached = (
  inner: CfnGuardValidator,
  cache: GuardPluginCache,
  context: IPolicyValidationContextBeta1,
): PolicyValidationPluginReportBeta1 => {
  const keyOf = (template: string) => digest(cache.fingerprint, fileDigest(template));
  const stored = new Map<string, PolicyViolationBeta1[]>();
  const missing: string[] = [];
  for (const template of context.templatePaths) {
    const hit = cache.store.get<PolicyViolationBeta1[]>(CACHE_LAYER, keyOf(template));
    if (hit) stored.set(template, hit);
    else missing.push(template);
  }
  const fresh: PolicyValidationPluginReportBeta1 =
    missing.length > 0 ? inner.validate({ ...context, templatePaths: missing }) : { success: true, violations: [] };
  const checked = new Set(missing);
  const attributable = fresh.violations.every((v) => v.violatingResources.every((r) => checked.has(r.templatePath)));
  if (attributable)
    for (const template of missing)
      cache.store.put(
        CACHE_LAYER,
        keyOf(template),
        fresh.violations.flatMap((v) => {
          const here = v.violatingResources.filter((r) => r.templatePath === template);
          return here.length > 0 ? [{ ...v, violatingResources: here }] : [];
        }),
      );
  const recalled = [...stored].flatMap(([template, violations]) =>
    violations.map((v) => ({
      ...v,
      violatingResources: v.violatingResources.map((r) => ({ ...r, templatePath: template })),
    })),
  );
  const violations = [...fresh.violations, ...recalled];
  return { ...fresh, success: violations.length === 0, violations };
};

const allControlTowerRuleNames = (dir = CONTROL_TOWER_RULES_DIR): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? allControlTowerRuleNames(`${dir}/${entry.name}`)
      : entry.name.endsWith('.guard')
        ? [basename(entry.name, '.guard')]
        : [],
  );

/**
 * The validator running exactly the given rules: the Control Tower ones that
 * `controls.json` enables (every other bundled rule is disabled) and the
 * project's own `.guard` files.
 */
export const guardValidatorFor = (
  rules: readonly GuardRuleFile[],
  cache?: ResultCache,
): SeverityEnforcingGuardValidator => {
  const enabledControlTowerRules = new Set(rules.filter((r) => r.origin === 'control-tower').map((r) => r.fileName));
  const inner = new CfnGuardValidator({
    controlTowerRulesEnabled: true,
    disabledRules: allControlTowerRuleNames().filter((name) => !enabledControlTowerRules.has(name)),
    rules: rules.filter((r) => r.origin === 'panops').map((r) => r.path),
    // A failing organization produces a few MB of cfn-guard JSON; the 1 MB default kills it.
    maxBuffer: 512 * 1024 * 1024,
  });
  return new SeverityEnforcingGuardValidator(
    inner,
    cache && {
      store: cache,
      // The rule files (names and contents), the validator's version (its bundled cfn-guard and its reading of
      // cfn-guard's output) and this code: a change to any of them misses.
      fingerprint: digest(
        'guard-plugin',
        `${inner.name}@${inner.version ?? 'unknown'}`,
        treeDigest([dirname(fileURLToPath(import.meta.url))], (name) => name.endsWith('.ts')),
        ...rules.flatMap((r) => [r.path.slice(r.path.lastIndexOf('/') + 1), fileDigest(r.path)]),
      ),
    },
  );
};
