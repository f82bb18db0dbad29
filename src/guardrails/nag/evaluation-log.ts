import { type CfnResource, Stack } from 'aws-cdk-lib';
import { type IApplyRule, type NagPack, NagRuleCompliance, type NagRuleResult } from 'cdk-nag';

/** One resource a rule found non-compliant (or that made the rule throw). */
export interface NagNonCompliance {
  readonly constructPath: string;
  readonly logicalId: string;
  /** Set for rules that report several findings on one resource (`AwsSolutions-IAM5[Action::s3:*]`). */
  readonly finding?: string;
  /** Set when the rule threw (usually an unresolvable token): cdk-nag counts that as a violation. */
  readonly error?: string;
}

/** What one rule of one pack saw in one stack. */
export interface NagRuleTally {
  readonly pack: string;
  /** `AwsSolutions-S1`, `NIST.800.53.R5-S3BucketVersioningEnabled`, `PanOps-AuroraBackupRetentionSevenDays`. */
  readonly ruleId: string;
  readonly info: string;
  readonly level: string;
  compliant: number;
  notApplicable: number;
  readonly nonCompliant: NagNonCompliance[];
}

/**
 * Evidence of every nag rule evaluation, passing ones included (CDK's
 * validation report lists failures only). Keyed by stack path, then rule id.
 */
export class NagEvaluationLog {
  private readonly byStack = new Map<string, Map<string, NagRuleTally>>();

  /** The tallies of one stack, in the order the rules ran. */
  stack(stackPath: string): readonly NagRuleTally[] {
    return [...(this.byStack.get(stackPath)?.values() ?? [])];
  }

  stacks(): readonly string[] {
    return [...this.byStack.keys()];
  }

  record(pack: string, ruleId: string, params: IApplyRule, outcome: NagRuleResult | { error: string }): void {
    const node = params.node;
    const stack = Stack.of(node);
    let rules = this.byStack.get(stack.node.path);
    if (!rules) {
      rules = new Map();
      this.byStack.set(stack.node.path, rules);
    }
    let tally = rules.get(ruleId);
    if (!tally) {
      tally = {
        pack,
        ruleId,
        info: params.info,
        level: params.level,
        compliant: 0,
        notApplicable: 0,
        nonCompliant: [],
      };
      rules.set(ruleId, tally);
    }
    const where = { constructPath: node.node.path, logicalId: stack.resolve(node.logicalId) as string };
    if (typeof outcome === 'object' && !Array.isArray(outcome))
      tally.nonCompliant.push({ ...where, error: outcome.error });
    else if (Array.isArray(outcome)) {
      for (const finding of outcome) tally.nonCompliant.push({ ...where, finding });
      if (outcome.length === 0) tally.compliant++;
    } else if (outcome === NagRuleCompliance.COMPLIANT) tally.compliant++;
    else if (outcome === NagRuleCompliance.NOT_APPLICABLE) tally.notApplicable++;
    else tally.nonCompliant.push(where);
  }
}

/** The protected hook every NagPack funnels its rules through. */
type ApplyRule = (params: IApplyRule) => void;

/**
 * Makes a pack write every rule outcome to `log` as well as doing what it
 * always does. It wraps the rule callback (keeping the rule's id, which
 * cdk-nag derives from the callback's name) and leaves acknowledgement,
 * severity and the violation list to cdk-nag.
 */
export const recordEvaluations = <P extends NagPack>(pack: P, log: NagEvaluationLog): P => {
  const target = pack as unknown as { applyRule: ApplyRule };
  const original = target.applyRule.bind(pack);
  target.applyRule = (params: IApplyRule) => {
    const suffix = params.ruleSuffixOverride ?? params.rule.name;
    const ruleId = `${pack.readPackName}-${suffix}`;
    original({
      ...params,
      ruleSuffixOverride: suffix,
      rule: (node: CfnResource) => {
        try {
          const outcome = params.rule(node);
          log.record(pack.name, ruleId, params, outcome);
          return outcome;
        } catch (error) {
          log.record(pack.name, ruleId, params, { error: (error as Error).message });
          throw error;
        }
      },
    });
  };
  return pack;
};
