/**
 * Which objects an S3 lifecycle rule, as synthesized into CloudFormation
 * (`AWS::S3::Bucket.LifecycleConfiguration.Rules[]`), would expire. S3 applies
 * a rule to an object when the object matches the rule's filter: its prefix
 * AND every one of its tags (key and value); a rule without a filter applies
 * to every object; expiration counts days from the object's creation:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-expire-general-considerations.html
 * Used to simulate a lifecycle run (s3rver runs none) and by the guardrail
 * "held records are never deleted" at synth.
 */
import { DISPOSITION_TAG } from '../contracts/archive-tags.js';

export interface SynthesizedLifecycleRule {
  readonly Id?: string;
  readonly Status?: string;
  readonly Prefix?: string;
  readonly TagFilters?: readonly { readonly Key: string; readonly Value: string }[];
  readonly ExpirationInDays?: number;
  readonly ExpirationDate?: string;
  readonly NoncurrentVersionExpiration?: { readonly NoncurrentDays?: number };
  readonly NoncurrentVersionExpirationInDays?: number;
}

export interface ObjectUnderLifecycle {
  readonly key: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly ageDays: number;
}

/** Whether the rule's filter selects the object (prefix and every tag filter). */
export const ruleSelects = (rule: SynthesizedLifecycleRule, object: ObjectUnderLifecycle): boolean =>
  object.key.startsWith(rule.Prefix ?? '') && (rule.TagFilters ?? []).every((t) => object.tags[t.Key] === t.Value);

/** Whether the rule expires (or deletes a noncurrent version of) anything at all. */
export const ruleExpires = (rule: SynthesizedLifecycleRule): boolean =>
  rule.Status !== 'Disabled' &&
  (rule.ExpirationInDays !== undefined ||
    rule.ExpirationDate !== undefined ||
    rule.NoncurrentVersionExpiration !== undefined ||
    rule.NoncurrentVersionExpirationInDays !== undefined);

/** The rules that would expire the object now (its current version), by age. */
export const rulesExpiring = (
  rules: readonly SynthesizedLifecycleRule[],
  object: ObjectUnderLifecycle,
): SynthesizedLifecycleRule[] =>
  rules.filter(
    (rule) =>
      rule.Status !== 'Disabled' &&
      ruleSelects(rule, object) &&
      ((rule.ExpirationInDays !== undefined && object.ageDays >= rule.ExpirationInDays) ||
        rule.ExpirationDate !== undefined),
  );

/** Whether the rule selects only objects tagged `panops:disposition=disposable` (S3 ANDs every tag filter). */
export const ruleSelectsOnlyDisposable = (rule: SynthesizedLifecycleRule): boolean =>
  (rule.TagFilters ?? []).some((t) => t.Key === DISPOSITION_TAG.key && t.Value === DISPOSITION_TAG.disposable);

/**
 * The rules of an archive bucket that could expire an object the disposition
 * job never tagged (a held record, or a live one): every enabled rule that
 * expires current or noncurrent versions without the disposable tag in its
 * filter. An archive lifecycle is safe for holds when this is empty. Rules
 * that only abort incomplete uploads or remove expired delete markers delete
 * no stored version and are not counted.
 */
export const rulesExpiringUntagged = (rules: readonly SynthesizedLifecycleRule[]): SynthesizedLifecycleRule[] =>
  rules.filter((rule) => ruleExpires(rule) && !ruleSelectsOnlyDisposable(rule));
