/**
 * Guardrails as code: apply every synth-time check to a CDK app.
 *
 * Usage (src/main.ts, tests):
 *
 *   const app = new App();
 *   buildOrganization(app, blueprint);
 *   applyGuardrails(app);          // before app.synth()
 *   app.synth();                   // throws / exits 1 on any unacknowledged finding
 *
 * What runs on every stack:
 *   - cdk-nag packs AwsSolutions, NIST.800.53.R5 and PanOps (src/guardrails/nag);
 *   - cfn-guard (`@cdklabs/cdk-validator-cfnguard`) with exactly the Control
 *     Tower controls of policies/control-tower/controls.json plus the project's
 *     own rules in policies/guard/ (which read the template marker
 *     `Metadata.PanOpsGuardrails.accountKind`, written from the stack's
 *     `panops:customer-id` tag), wrapped so that every Guard violation has
 *     severity `error` (the validator's missing-severity bug would otherwise let
 *     unacknowledged findings pass once any finding is acknowledged).
 *
 * Accepting a finding: always the PREFIXED id and a written reason, on the
 * narrowest construct that explains it, through `acknowledge` of
 * src/common/acknowledge.ts (CDK's `Validations.of(scope).acknowledge`, with
 * the prefix and the reason checked at synth):
 *
 *   acknowledge(bucket, ['AwsSolutions::AwsSolutions-S1'], '...');
 *   acknowledge(db, ['NIST.800.53.R5::NIST.800.53.R5-RDSInBackupPlan'], '...');
 *   acknowledge(vpc, ['PanOps::PanOps-CustomerAccountNoInternetGateway'], '...');
 *   acknowledge(trail, ['cdk-validator-cfnguard::cloud_trail_cloud_watch_logs_enabled_check'], '...');
 *
 * A bare id (`'AwsSolutions-S1'`) makes cdk-nag drop the finding silently: the
 * helper refuses it, and the compliance run treats any that slips through
 * (a direct CDK call) as an unacknowledged violation and says so.
 *
 * `npx projen compliance` (src/guardrails/cli.ts) runs the same checks with
 * `guard: 'deferred'`: cfn-guard then runs over cdk.out in batches, spread over
 * the cores, and its per-rule pass/skip/fail output feeds the auditors' report.
 * Beside it, in parallel, the database layer (src/guardrails/database) applies
 * sql/ to an in-memory PGlite and checks tenant isolation from the catalog and
 * by probing as the application role (`--skip-database` leaves it out).
 */
import type { App, Stage } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, NIST80053R5Checks } from 'cdk-nag';
import { markAccountKinds } from './account-marker.js';
import type { ResultCache } from './compliance/result-cache.js';
import { type GuardRuleFile, synthTimeGuardRules } from './guard/rule-files.js';
import { guardValidatorFor } from './guard/severity-enforcing-validator.js';
import { NagEvaluationLog, recordEvaluations } from './nag/evaluation-log.js';
import { PanOpsChecks } from './nag/panops-checks.js';

export { GUARD_PLUGIN_NAME } from './guard/severity-enforcing-validator.js';
export { NagEvaluationLog } from './nag/evaluation-log.js';
export { PANOPS_NAG_RULES, PanOpsChecks } from './nag/panops-checks.js';

export interface ApplyGuardrailsOptions {
  /**
   * Where the Guard rules run. `synth`: as a CDK validation plugin, so
   * `cdk synth` and `cdk deploy` fail on a Guard finding. `deferred`: not during
   * synth; the compliance runner runs cfn-guard itself over the synthesized
   * templates (batched, in parallel, with per-rule evidence).
   * @default 'synth'
   */
  readonly guard?: 'synth' | 'deferred';
  /**
   * Where the synth-time Guard check keeps its per-template verdicts, so that a synth of unchanged templates
   * (each `cdk deploy` step of `npx projen deploy` synthesizes the whole app) does not run cfn-guard again.
   * @default none: every synth runs cfn-guard over every template
   */
  readonly guardCache?: ResultCache;
  /**
   * Receives every nag rule outcome (passes and not-applicable included).
   * @default a new log, returned in the result
   */
  readonly nagLog?: NagEvaluationLog;
}

/** What `applyGuardrails` registered, for the compliance runner and tests. */
export interface AppliedGuardrails {
  readonly nagPacks: readonly NagPack[];
  readonly nagLog: NagEvaluationLog;
  /** The Guard rule files of the synth-time check (Control Tower controls, then policies/guard). */
  readonly guardRules: readonly GuardRuleFile[];
  readonly guard: 'synth' | 'deferred';
}

/** Registers every synth-time guardrail check on the app (or stage). Call once, before `synth()`. */
export const applyGuardrails = (app: App | Stage, options: ApplyGuardrailsOptions = {}): AppliedGuardrails => {
  const nagLog = options.nagLog ?? new NagEvaluationLog();
  const guard = options.guard ?? 'synth';
  const nagPacks = [new AwsSolutionsChecks(app), new NIST80053R5Checks(app), new PanOpsChecks(app)].map((pack) =>
    recordEvaluations(pack, nagLog),
  );
  const guardRules = synthTimeGuardRules();
  markAccountKinds(app);
  Validations.of(app).addPlugins(...nagPacks);
  if (guard === 'synth') Validations.of(app).addPlugins(guardValidatorFor(guardRules, options.guardCache));
  return { nagPacks, nagLog, guardRules, guard };
};
