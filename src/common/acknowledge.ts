import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The one way this code base accepts a guardrail finding: on the narrowest
 * construct that explains it, with a written reason. Ids carry their pack
 * prefix (`AwsSolutions::AwsSolutions-S1`, `NIST.800.53.R5::…`,
 * `cdk-validator-cfnguard::…`, `PanOps::…`) so CDK's validation report and
 * ours list them, with the reason, as suppressed; a bare id would drop the
 * finding from the report unseen, and an empty reason is no evidence (the
 * compliance report marks both invalid), so both are refused here at synth.
 */
export const acknowledge = (scope: IConstruct, ids: readonly string[], reason: string): void => {
  if (reason.trim() === '') throw new Error(`acknowledge(${scope.node.path}): a reason is required`);
  for (const id of ids) {
    if (!/^[^:\s]+::\S/.test(id)) throw new Error(`acknowledge: '${id}' needs its pack prefix (Pack::RuleId)`);
    Validations.of(scope).acknowledge({ id, reason });
  }
};

/** cdk-nag's id for one granular AwsSolutions-IAM5 finding (`Action::kms:ReEncrypt*`, `Resource::*`). */
export const iam5 = (finding: string): string => `AwsSolutions::AwsSolutions-IAM5[${finding}]`;

/** cdk-nag's id for one granular AwsSolutions-IAM4 finding (an AWS managed policy). */
export const iam4 = (managedPolicy: string): string => `AwsSolutions::AwsSolutions-IAM4[Policy::${managedPolicy}]`;

/** The wildcard actions of CDK's KMS grants (SQS and DynamoDB encryption with a customer managed key). */
export const KMS_GRANT_WILDCARDS = [iam5('Action::kms:ReEncrypt*'), iam5('Action::kms:GenerateDataKey*')] as const;
export const KMS_GRANT_REASON =
  'CDK grants on KMS-encrypted queues and tables use kms:ReEncrypt* and kms:GenerateDataKey*, on the platform key only.';

/**
 * The stack's account and region as cdk-nag writes them in finding ids
 * (`<AWS::AccountId>` for an account-agnostic stack).
 */
export const findingEnv = (scope: IConstruct): { account: string; region: string } => {
  const { account, region } = Stack.of(scope);
  return {
    account: Token.isUnresolved(account) ? '<AWS::AccountId>' : account,
    region: Token.isUnresolved(region) ? '<AWS::Region>' : region,
  };
};
