import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../paths.js';

/** A stack of the report, as much as the live checks need: where it runs and its template. */
export interface StackRef {
  /** Stack name (top-level stacks are named by their construct id). */
  readonly stack: string;
  readonly account: string;
  readonly region: string;
  /** Template path, repository-relative (as the report prints it) or absolute. */
  readonly template: string;
}

/** Default retention an S3 bucket's Object Lock configuration promises (CloudFormation `DefaultRetention`). */
export interface ObjectLockPromise {
  readonly mode: string;
  readonly days?: number;
  readonly years?: number;
}

/** What one synthesized template promises about the resources the live checks read. */
export interface TemplatePromises {
  readonly stack: StackRef;
  /** Every logical id of the template, with its type: the drift check reads their physical ids. */
  readonly resourceTypes: ReadonlyMap<string, string>;
  /** Buckets created with Object Lock (WORM): their default retention, or none set. */
  readonly wormBuckets: readonly { logicalId: string; retention?: ObjectLockPromise }[];
  readonly trails: readonly {
    logicalId: string;
    trailName?: string;
    isLogging: boolean;
    logFileValidation: boolean;
  }[];
  readonly keys: readonly { logicalId: string; rotation: boolean }[];
}

interface Template {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

const literal = <T>(value: unknown, fallback: T): T | unknown => (value === undefined ? fallback : value);

/** Reads a stack's template and collects the promises of its WORM buckets, trails and KMS keys. */
export const templatePromises = (stack: StackRef): TemplatePromises => {
  const file = resolve(REPO_ROOT, stack.template);
  const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
  const resources = Object.entries(template.Resources ?? {});
  const resourceTypes = new Map(resources.map(([id, r]) => [id, r.Type]));
  const wormBuckets: TemplatePromises['wormBuckets'][number][] = [];
  const trails: TemplatePromises['trails'][number][] = [];
  const keys: TemplatePromises['keys'][number][] = [];
  for (const [logicalId, resource] of resources) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::S3::Bucket' && p.ObjectLockEnabled === true) {
      const retention = (p.ObjectLockConfiguration as { Rule?: { DefaultRetention?: Record<string, unknown> } })?.Rule
        ?.DefaultRetention;
      wormBuckets.push({
        logicalId,
        ...(retention
          ? {
              retention: {
                mode: String(retention.Mode),
                ...(typeof retention.Days === 'number' ? { days: retention.Days } : {}),
                ...(typeof retention.Years === 'number' ? { years: retention.Years } : {}),
              },
            }
          : {}),
      });
    } else if (resource.Type === 'AWS::CloudTrail::Trail')
      trails.push({
        logicalId,
        ...(typeof p.TrailName === 'string' ? { trailName: p.TrailName } : {}),
        isLogging: literal(p.IsLogging, false) === true,
        // CloudFormation's default for EnableLogFileValidation is false.
        logFileValidation: literal(p.EnableLogFileValidation, false) === true,
      });
    else if (resource.Type === 'AWS::KMS::Key')
      keys.push({ logicalId, rotation: literal(p.EnableKeyRotation, false) === true });
  }
  return { stack, resourceTypes, wormBuckets, trails, keys };
};

/** `COMPLIANCE, 2555 days` / `none`: an Object Lock default retention in words. */
export const describeRetention = (r: ObjectLockPromise | undefined): string =>
  r
    ? `${r.mode}, ${r.days !== undefined ? `${r.days} days` : ''}${r.years !== undefined ? `${r.years} years` : ''}`
    : 'no default retention';
