import { GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { describeRetention, type ObjectLockPromise, type TemplatePromises } from './promises.js';
import type { TemplateResourceKind } from './template-resources.js';

/** The retention S3 holds, compared with the template's, in days (a year as 365 days only when the units differ). */
const sameRetention = (want: ObjectLockPromise | undefined, have: ObjectLockPromise | undefined): boolean => {
  if (!want || !have) return want === have;
  if (want.mode !== have.mode) return false;
  if (want.days !== undefined && have.days !== undefined) return want.days === have.days;
  if (want.years !== undefined && have.years !== undefined) return want.years === have.years;
  return (want.days ?? (want.years ?? 0) * 365) === (have.days ?? (have.years ?? 0) * 365);
};

/**
 * Object Lock of every WORM bucket the template creates, as S3 reports it
 * (GetObjectLockConfiguration: ObjectLockEnabled and the default retention's
 * Mode and Days or Years,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html).
 * A bucket without Object Lock answers ObjectLockConfigurationNotFoundError.
 * These buckets hold the records of the WORM alternative, 17a-4(f)(2)(i)(B).
 */
export const wormBucketObjectLock = (s3: S3Client): TemplateResourceKind<TemplatePromises['wormBuckets'][number]> => ({
  source: 'object-lock',
  guardrails: [],
  frameworkControls: ['17a-4(f)(2)(i)(B)'],
  noun: 'bucket',
  resources: (promises) => promises.wormBuckets,
  synth: (bucket) => `Object Lock enabled, ${describeRetention(bucket.retention)}`,
  read: async (bucket, name) => {
    const { ObjectLockConfiguration: c } = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: name }));
    const d = c?.Rule?.DefaultRetention;
    // A rule has Days or Years, never both, each at least 1 (an emulator may send the other as 0).
    const live: ObjectLockPromise | undefined = d?.Mode
      ? { mode: d.Mode, ...(d.Days ? { days: d.Days } : {}), ...(d.Years ? { years: d.Years } : {}) }
      : undefined;
    const enabled = c?.ObjectLockEnabled === 'Enabled';
    return {
      live: enabled ? `Object Lock enabled, ${describeRetention(live)}` : 'Object Lock not enabled',
      status: enabled && sameRetention(bucket.retention, live) ? 'agrees' : 'disagrees',
    };
  },
  notFound: { error: 'ObjectLockConfigurationNotFoundError', live: 'no Object Lock configuration' },
});
