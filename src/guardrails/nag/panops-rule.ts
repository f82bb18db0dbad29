import type { CfnResource } from 'aws-cdk-lib';
import type { NagRuleCompliance } from 'cdk-nag';

/**
 * One rule of the PanOps NagPack: a pure function from one CloudFormation
 * resource to COMPLIANT / NON_COMPLIANT / NOT_APPLICABLE, with the words the
 * finding prints. The rule id is `PanOps-<id>`.
 */
export interface PanOpsNagRule {
  /** Rule suffix; the full id is `PanOps-<id>` and its acknowledgement id `PanOps::PanOps-<id>`. */
  readonly id: string;
  /** What is wrong, printed with the finding. */
  readonly info: string;
  /** Why the rule exists (the guardrail it serves). */
  readonly explanation: string;
  readonly check: (node: CfnResource) => NagRuleCompliance;
}
