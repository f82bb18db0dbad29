import type { BlueprintProblem } from './errors.js';
import { AWS_LIMITS } from './limits.js';
import type { OrganizationFile } from './schema.js';

/**
 * How the shared compute account grows with the number of dedicated customers,
 * and the limits that growth meets. The stacks (src/shared-compute) and the
 * config validator read the same numbers, so a blueprint that would break a
 * limit is refused before synth with the limit named.
 */
export const SHARED_COMPUTE_SCALE = {
  /**
   * Routes every private route table of the shared compute VPC holds before any
   * customer route: the local route, the NAT default route and the S3 and
   * DynamoDB gateway-endpoint routes.
   */
  baseRoutesPerRouteTable: 4,
  /** IAM role trust policy size (characters, whitespace excluded): 2,048 by default, 4,096 at most. */
  trustPolicyMaxCharacters: 2_048,
} as const;

/** Customer routes one private route table can take under the given quota. */
export const customerRouteCapacity = (routeTableQuota: number = AWS_LIMITS.routesPerRouteTable): number =>
  routeTableQuota - SHARED_COMPUTE_SCALE.baseRoutesPerRouteTable;

/**
 * Refuses more peered VPCs (dedicated customers, and the pooled cluster's VPC)
 * than the shared compute VPC's route tables can route to: each adds one route
 * to every private route table. (The peering limit itself, 125 per VPC, is
 * checked in validate.ts; the accepter role's trust policy fits 125 accounts,
 * see the shared compute stack's tests.)
 */
export const checkSharedComputeScale = (
  sharedCompute: OrganizationFile['sharedCompute'],
  peeredVpcs: number,
  file: string,
  problems: BlueprintProblem[],
): void => {
  const quota = sharedCompute.routeTableQuota ?? AWS_LIMITS.routesPerRouteTable;
  const capacity = customerRouteCapacity(quota);
  if (peeredVpcs > capacity)
    problems.push({
      file,
      field: 'sharedCompute.routeTableQuota',
      value: peeredVpcs,
      rule: `${peeredVpcs} peered VPCs (dedicated customers and the pooled cluster) need ${peeredVpcs + SHARED_COMPUTE_SCALE.baseRoutesPerRouteTable} routes in each private route table of the shared compute VPC, over the limit of ${quota} routes per route table; request a quota increase (up to 1,000) and set sharedCompute.routeTableQuota`,
    });
};
