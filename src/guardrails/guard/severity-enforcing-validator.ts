import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type {
  IPolicyValidationContextBeta1,
  IPolicyValidationPluginBeta1,
  PolicyValidationPluginReportBeta1,
} from 'aws-cdk-lib';
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

  constructor(inner: CfnGuardValidator) {
    this.inner = inner;
    this.name = inner.name;
    this.version = inner.version;
    this.ruleIds = inner.ruleIds;
  }

  validate(context: IPolicyValidationContextBeta1): PolicyValidationPluginReportBeta1 {
    const report = this.inner.validate(context);
    return {
      ...report,
      violations: report.violations.map((violation) => ({ ...violation, severity: violation.severity ?? 'error' })),
    };
  }
}

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
export const guardValidatorFor = (rules: readonly GuardRuleFile[]): SeverityEnforcingGuardValidator => {
  const enabledControlTowerRules = new Set(rules.filter((r) => r.origin === 'control-tower').map((r) => r.fileName));
  return new SeverityEnforcingGuardValidator(
    new CfnGuardValidator({
      controlTowerRulesEnabled: true,
      disabledRules: allControlTowerRuleNames().filter((name) => !enabledControlTowerRules.has(name)),
      rules: rules.filter((r) => r.origin === 'panops').map((r) => r.path),
      // A failing organization produces a few MB of cfn-guard JSON; the 1 MB default kills it.
      maxBuffer: 512 * 1024 * 1024,
    }),
  );
};
