import type { CfnResource } from 'aws-cdk-lib';

/**
 * Chains resources into `lanes` DependsOn chains, so CloudFormation runs at
 * most `lanes` of them at once (Control Tower throttles beyond its concurrent
 * operation limit). Resource i waits for resource i - lanes; the first of each
 * lane waits for `after`.
 */
export const chainInLanes = (
  resources: readonly CfnResource[],
  lanes: number,
  after: readonly CfnResource[] = [],
): void => {
  if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be a positive integer, got ${lanes}`);
  resources.forEach((resource, index) => {
    const previous = resources[index - lanes];
    if (previous) resource.addResourceDependency(previous);
    else for (const dependency of after) resource.addResourceDependency(dependency);
  });
};
