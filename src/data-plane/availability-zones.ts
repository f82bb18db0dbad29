import { Fn } from 'aws-cdk-lib';

/**
 * The first `count` availability zones of the deploying account in the
 * stack's region, resolved by CloudFormation at deploy time
 * (`Fn::Select [i, Fn::GetAZs '']`), never letters appended to the region.
 *
 * Zone names map to different physical zones in each account, and a region
 * need not have a zone `b` for an account (us-west-1, ap-northeast-1 list
 * `a` and `c`, say): only the account itself knows its zones.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getavailabilityzones.html
 * https://docs.aws.amazon.com/ram/latest/userguide/working-with-az-ids.html
 *
 * Synth stays credential-free (no context lookup); CDK's Vpc accepts
 * unresolved zones. Every commercial region has at least three zones
 * (https://aws.amazon.com/about-aws/global-infrastructure/regions_az/), so
 * indexes 0 to 2 exist and are distinct.
 */
export const accountAvailabilityZones = (count = 2): string[] => {
  if (count < 1 || count > 3) throw new RangeError(`accountAvailabilityZones: count must be 1–3, got ${count}`);
  return Array.from({ length: count }, (_, index) => Fn.select(index, Fn.getAzs()));
};
