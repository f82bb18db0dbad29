import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Accepts guardrail findings on the narrowest construct that explains them,
 * with a written reason. Ids carry their pack prefix (`AwsSolutions::…`,
 * `NIST.800.53.R5::…`, `cdk-validator-cfnguard::…`) so the validation report
 * lists them, with the reason, as suppressed; a bare id would hide them.
 */
export const acknowledge = (scope: IConstruct, ids: readonly string[], reason: string): void => {
  for (const id of ids) {
    if (!id.includes('::')) throw new Error(`acknowledge: '${id}' needs its pack prefix (Pack::RuleId)`);
    Validations.of(scope).acknowledge({ id, reason });
  }
};

/** cdk-nag's id for one granular AwsSolutions-IAM5 finding (`Action::kms:ReEncrypt*`, `Resource::*`). */
export const iam5 = (finding: string): string => `AwsSolutions::AwsSolutions-IAM5[${finding}]`;

/** The wildcard actions of CDK's KMS grants (SQS and DynamoDB encryption with the platform key). */
export const KMS_GRANT_WILDCARDS = [iam5('Action::kms:ReEncrypt*'), iam5('Action::kms:GenerateDataKey*')] as const;
export const KMS_GRANT_REASON =
  'CDK grants on KMS-encrypted queues and tables use kms:ReEncrypt* and kms:GenerateDataKey*, on the platform key only.';
