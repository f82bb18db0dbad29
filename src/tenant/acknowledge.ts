import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Accepts guardrail findings on a construct with a written reason. Ids carry
 * their pack prefix (`AwsSolutions::AwsSolutions-S1`,
 * `NIST.800.53.R5::NIST.800.53.R5-…`, `cdk-validator-cfnguard::ct-…`) so that
 * the validation report lists them, with the reason, under suppressed
 * violations; a bare id would drop them from the report unseen.
 */
export const acknowledgeFindings = (scope: IConstruct, ids: readonly string[], reason: string): void => {
  for (const id of ids) {
    if (!id.includes('::')) throw new Error(`acknowledgeFindings: '${id}' needs its pack prefix (Pack::RuleId)`);
    Validations.of(scope).acknowledge({ id, reason });
  }
};

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
