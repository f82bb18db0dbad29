import type { CfnResource } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { NagRuleCompliance } from 'cdk-nag';
import { DISPOSITION_TAG } from '../../../contracts/archive-tags.js';
import { TAG_KEYS } from '../../../contracts/names.js';
import { rulesExpiringUntagged, type SynthesizedLifecycleRule } from '../../../data-plane/lifecycle-filter.js';
import type { PanOpsNagRule } from '../panops-rule.js';

/** The `panops:role` of the buckets that hold customer records: a dedicated customer's archive and the pooled one. */
export const ARCHIVE_BUCKET_ROLES: readonly string[] = ['archive-bucket', 'pooled-archive-bucket'];

/**
 * An L1 property value in CloudFormation's casing: CDK's L1 keys are
 * CloudFormation's with the first letter lowered, and the lifecycle schema
 * has no key that breaks that rule (`expirationInDays` → `ExpirationInDays`).
 */
const cloudFormationCase = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(cloudFormationCase);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.charAt(0).toUpperCase() + key.slice(1),
      cloudFormationCase(inner),
    ]),
  );
};

/** The lifecycle rules of a bucket, in CloudFormation form. */
export const lifecycleRulesOf = (bucket: CfnBucket): SynthesizedLifecycleRule[] => {
  const config = cloudFormationCase(Stack.of(bucket).resolve(bucket.lifecycleConfiguration)) as
    | { Rules?: readonly SynthesizedLifecycleRule[] }
    | undefined;
  return [...(config?.Rules ?? [])];
};

/**
 * Held records are never deleted (the bucket side): every lifecycle rule of an
 * archive bucket (dedicated or pooled, with or without Object Lock) that
 * expires current or noncurrent versions selects only objects tagged
 * `panops:disposition=disposable`, the tag the disposition job puts on an
 * object once no row names it and never on a held one. An unfiltered
 * expiration would delete a held (or live) record's original, attachments and
 * recordings after a number of days, whatever the database says.
 */
export const ArchiveLifecycleSparesHeldRecords: PanOpsNagRule = {
  id: 'ArchiveLifecycleSparesHeldRecords',
  info: `An archive bucket has a lifecycle rule that expires objects without the tag filter ${DISPOSITION_TAG.key}=${DISPOSITION_TAG.disposable}: held and live records would be deleted by age.`,
  explanation:
    'Legal holds and defensible disposition (#22): only the disposition job decides what goes, after the rows, and never a held record; the bucket lifecycle may expire only what it tagged disposable.',
  check: (node: CfnResource) => {
    if (!(node instanceof CfnBucket)) return NagRuleCompliance.NOT_APPLICABLE;
    const role = node.tags.tagValues()[TAG_KEYS.role];
    if (role === undefined || !ARCHIVE_BUCKET_ROLES.includes(role)) return NagRuleCompliance.NOT_APPLICABLE;
    return rulesExpiringUntagged(lifecycleRulesOf(node)).length === 0
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
};
