import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Blueprint } from '../../config/index.js';
import { DISPOSITION_TAG } from '../../contracts/archive-tags.js';
import { TAG_KEYS } from '../../contracts/names.js';
import { rulesExpiringUntagged, type SynthesizedLifecycleRule } from '../../data-plane/lifecycle-filter.js';
import type { RetentionStatusEvidence } from '../evidence/retention.js';
import { ARCHIVE_BUCKET_ROLES } from '../nag/rules/ArchiveLifecycleSparesHeldRecords.js';
import { REPO_ROOT } from '../paths.js';
import type { StackSummary } from './model.js';

/** One customer's retention as the blueprint and the synthesized archive bucket state it. */
export interface CustomerRetention {
  readonly customerSlug: string;
  readonly customerId: string;
  readonly tier: 'pooled' | 'dedicated';
  /** The blueprint's policy: the default and the per-kind overrides. */
  readonly retentionDays: number;
  readonly retentionByKind: Readonly<Record<string, number>>;
  /** The archive's Object Lock (mode, default retention days), or null: none. */
  readonly objectLock: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly days: number } | null;
  /** What is kept at least: the policy, or under Object Lock max(policy, lock); per kind likewise. */
  readonly effectiveRetentionDays: number;
  readonly effectiveRetentionByKind: Readonly<Record<string, number>>;
  /** The archive bucket's lifecycle as synthesized, or null when no archive bucket was found for the customer. */
  readonly lifecycle: {
    readonly stack: string;
    readonly bucket: string;
    readonly rules: readonly string[];
    /** No enabled rule expires an object that is not tagged disposable (held records survive the lifecycle). */
    readonly sparesUntagged: boolean;
  } | null;
}

/** The report's Retention section: the blueprint side per customer, and the database side when supplied. */
export interface RetentionReport {
  readonly customers: readonly CustomerRetention[];
  /** What `panops retention-status` read from each database (`--retention <dir>`); absent: not supplied. */
  readonly status?: RetentionStatusEvidence;
}

interface TemplateBucket {
  readonly Type: string;
  readonly Properties?: {
    readonly Tags?: readonly { readonly Key: string; readonly Value: unknown }[];
    readonly LifecycleConfiguration?: { readonly Rules?: readonly SynthesizedLifecycleRule[] };
  };
}

type LifecycleRuleInWords = SynthesizedLifecycleRule & {
  readonly AbortIncompleteMultipartUpload?: { readonly DaysAfterInitiation?: number };
  readonly ExpiredObjectDeleteMarker?: boolean;
};

/** One lifecycle rule in words: what it removes, and which objects it selects. */
export const describeLifecycleRule = (rule: LifecycleRuleInWords): string => {
  const actions = [
    rule.ExpirationInDays !== undefined ? `expire current after ${rule.ExpirationInDays} d` : '',
    rule.ExpirationDate !== undefined ? `expire current on ${rule.ExpirationDate}` : '',
    rule.NoncurrentVersionExpiration?.NoncurrentDays !== undefined
      ? `remove noncurrent after ${rule.NoncurrentVersionExpiration.NoncurrentDays} d`
      : '',
    rule.NoncurrentVersionExpirationInDays !== undefined
      ? `remove noncurrent after ${rule.NoncurrentVersionExpirationInDays} d`
      : '',
    rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined
      ? `abort incomplete uploads after ${rule.AbortIncompleteMultipartUpload.DaysAfterInitiation} d`
      : '',
    rule.ExpiredObjectDeleteMarker ? 'remove expired delete markers' : '',
  ].filter(Boolean);
  const selects = [
    rule.Prefix ? `prefix ${rule.Prefix}` : '',
    ...(rule.TagFilters ?? []).map((t) => `tag ${t.Key}=${t.Value}`),
  ].filter(Boolean);
  return `${rule.Id ?? '(no id)'}${rule.Status === 'Disabled' ? ' (disabled)' : ''}: ${actions.join(', ') || 'no action'}; ${
    selects.length ? `only ${selects.join(' and ')}` : 'every object'
  }`;
};

const roleOf = (bucket: TemplateBucket): string | undefined => {
  const value = bucket.Properties?.Tags?.find((t) => t.Key === TAG_KEYS.role)?.Value;
  return typeof value === 'string' ? value : undefined;
};

/**
 * Each customer's retention from the blueprint (policy, Object Lock, the
 * effective retention) and its archive bucket's lifecycle as synthesized into
 * the templates the run checked (a dedicated customer's own archive bucket;
 * the pooled bucket for pooled customers). Computed on every run, outside the
 * result cache: it reads only the blueprint and the templates.
 */
export const retentionReport = (blueprint: Blueprint, stacks: readonly StackSummary[]): RetentionReport => {
  const archives: { stack: StackSummary; logicalId: string; role: string; rules: LifecycleRuleInWords[] }[] = [];
  for (const stack of stacks) {
    const template = JSON.parse(readFileSync(resolve(REPO_ROOT, stack.template), 'utf8')) as {
      Resources?: Record<string, TemplateBucket>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
      const role = resource.Type === 'AWS::S3::Bucket' ? roleOf(resource) : undefined;
      if (role !== undefined && ARCHIVE_BUCKET_ROLES.includes(role))
        archives.push({
          stack,
          logicalId,
          role,
          rules: [...(resource.Properties?.LifecycleConfiguration?.Rules ?? [])],
        });
    }
  }
  const customers = blueprint.customers.map((c): CustomerRetention => {
    const lock = c.objectLock ? { mode: c.objectLock.mode, days: c.objectLock.days ?? c.retentionDays } : null;
    const effective = (days: number) => (lock ? Math.max(days, lock.days) : days);
    const byKind = Object.fromEntries(
      Object.entries(c.retentionByKind ?? {}).filter((e): e is [string, number] => e[1] !== undefined),
    );
    const archive =
      c.tier === 'dedicated'
        ? archives.find((a) => a.role === 'archive-bucket' && a.stack.customerId === c.id)
        : archives.find((a) => a.role === 'pooled-archive-bucket');
    return {
      customerSlug: c.slug,
      customerId: c.id,
      tier: c.tier,
      retentionDays: c.retentionDays,
      retentionByKind: byKind,
      objectLock: lock,
      effectiveRetentionDays: effective(c.retentionDays),
      effectiveRetentionByKind: Object.fromEntries(Object.entries(byKind).map(([k, d]) => [k, effective(d)])),
      lifecycle: archive
        ? {
            stack: archive.stack.stack,
            bucket: archive.logicalId,
            rules: archive.rules.map(describeLifecycleRule),
            sparesUntagged: rulesExpiringUntagged(archive.rules).length === 0,
          }
        : null,
    };
  });
  return { customers: [...customers].sort((a, b) => a.customerSlug.localeCompare(b.customerSlug)) };
};

/** The tag the lifecycle selects on, for the report's words. */
export const DISPOSABLE_TAG_TEXT = `${DISPOSITION_TAG.key}=${DISPOSITION_TAG.disposable}`;
