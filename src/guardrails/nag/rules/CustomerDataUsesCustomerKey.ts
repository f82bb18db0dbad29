import type { CfnResource } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnDBCluster } from 'aws-cdk-lib/aws-rds';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { NagRuleCompliance } from 'cdk-nag';
import { isInCustomerStack, localReference } from '../customer-stack.js';
import type { PanOpsNagRule } from '../panops-rule.js';

/** The KMS key property of each kind of customer data store. */
const keyOf = (node: CfnResource): { readonly present: true; readonly value: unknown } | undefined => {
  const stack = Stack.of(node);
  if (node instanceof CfnBucket) {
    // L1 properties resolve in CDK's camelCase form; intrinsics inside them in CloudFormation form.
    const encryption = stack.resolve(node.bucketEncryption) as
      | { serverSideEncryptionConfiguration?: { serverSideEncryptionByDefault?: { kmsMasterKeyId?: unknown } }[] }
      | undefined;
    const rules = encryption?.serverSideEncryptionConfiguration ?? [];
    if (rules.length === 0) return { present: true, value: undefined };
    // Every default-encryption rule must name the customer's key.
    const keys = rules.map((r) => r.serverSideEncryptionByDefault?.kmsMasterKeyId);
    return {
      present: true,
      value: keys.every((k) => JSON.stringify(k) === JSON.stringify(keys[0])) ? keys[0] : undefined,
    };
  }
  if (node instanceof CfnDBCluster) return { present: true, value: stack.resolve(node.kmsKeyId) };
  if (node instanceof CfnLogGroup) return { present: true, value: stack.resolve(node.kmsKeyId) };
  if (node instanceof CfnSecret) return { present: true, value: stack.resolve(node.kmsKeyId) };
  return undefined;
};

/** True when the logical id names a customer-managed key (`AWS::KMS::Key`) of the same stack. */
const isCustomerManagedKeyOf = (node: CfnResource, logicalId: string): boolean => {
  const stack = Stack.of(node);
  return stack.node
    .findAll()
    .some((c) => c instanceof CfnKey && Stack.of(c) === stack && stack.resolve(c.logicalId) === logicalId);
};

/**
 * In a customer account, the archive bucket, Aurora, log groups and secrets
 * are encrypted with a customer-managed KMS key of that account, referenced
 * directly (not an AWS-managed key, an alias or a literal ARN from elsewhere).
 */
export const CustomerDataUsesCustomerKey: PanOpsNagRule = {
  id: 'CustomerDataUsesCustomerKey',
  info: "The customer data store is not encrypted with the customer account's own KMS key (AWS::KMS::Key in the same stack).",
  explanation:
    'The seed: S3 uses SSE-KMS with a customer-managed key; Aurora uses AES-256 via a customer-managed KMS key; the key is customer-controlled.',
  check: (node: CfnResource) => {
    const key = keyOf(node);
    if (!key || !isInCustomerStack(node)) return NagRuleCompliance.NOT_APPLICABLE;
    const logicalId = localReference(key.value);
    return logicalId !== undefined && isCustomerManagedKeyOf(node, logicalId)
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
};
