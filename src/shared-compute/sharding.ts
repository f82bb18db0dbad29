import { AWS_LIMITS } from '../config/index.js';

/**
 * How the shared compute account's per-customer resources are spread over
 * stacks so that none crosses CloudFormation's 500-resource limit. The core
 * stack has a constant size; what grows with customers lives in shard stacks.
 */
export const SHARDING = {
  /**
   * Schedules per schedules stack. A schedules stack holds only its schedules
   * (the role, queues and function they target live in the core stack).
   */
  schedulesPerStack: 400,
  /**
   * Dedicated customers per peering-routes stack. Each adds one peering lookup
   * and one route per private route table (3 with two zones): 100 customers
   * make 304 resources.
   */
  peeredCustomersPerStack: 100,
  /** Resources of a peering-routes stack that do not depend on its customers: the lookup function, its role, security group and log group. */
  peeringRoutesStackBaseResources: 4,
} as const;

/** Resources one peered customer adds to its peering-routes stack. */
export const resourcesPerPeeredCustomer = (privateRouteTables: number): number => 1 + privateRouteTables;

/** Splits a list into consecutive chunks of at most `size` items (none when the list is empty). */
export const chunk = <T>(items: readonly T[], size: number): T[][] => {
  if (size < 1) throw new RangeError(`chunk size must be at least 1, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/** Refuses a shard layout that would cross the per-stack resource limit. */
export const assertWithinStackLimit = (stackName: string, resources: number): void => {
  if (resources > AWS_LIMITS.resourcesPerStack)
    throw new RangeError(
      `${stackName} would have ${resources} resources, over the limit of ${AWS_LIMITS.resourcesPerStack} resources per CloudFormation stack`,
    );
};
