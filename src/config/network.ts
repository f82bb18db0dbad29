import { parseCidr } from 'cidr-tools';
import type { BlueprintProblem } from './errors.js';
import { AWS_LIMITS } from './limits.js';
import type { Blueprint } from './model.js';
import type { CustomerFile, OrganizationFile } from './schema.js';
import { customerRouteCapacity, SHARED_COMPUTE_SCALE } from './shared-compute-scale.js';

/**
 * How customer VPCs reach shared compute.
 *
 * - `peering`: one VPC peering connection per dedicated customer. Simple, but
 *   a VPC takes at most 125 active peerings, and each peered VPC adds a route to
 *   every private route table of the shared compute VPC.
 * - `transit-gateway`: one Transit Gateway in the shared compute account, shared
 *   through RAM with the dedicated customers' accounts. Customer attachments are
 *   associated with a spoke route table that holds one route, to the shared
 *   compute VPC, so customers never reach each other; they propagate into the
 *   hub route table that the shared compute attachment uses. The shared compute
 *   VPC routes a few customer address ranges, not one route per customer.
 *   Up to 4,999 dedicated customers (5,000 attachments per Transit Gateway).
 */
export type NetworkMode = 'peering' | 'transit-gateway';

type SharedCompute = OrganizationFile['sharedCompute'];

export const networkMode = (sharedCompute: SharedCompute): NetworkMode => sharedCompute.network?.mode ?? 'peering';

/** Whether the blueprint connects customers through the Transit Gateway. */
export const usesTransitGateway = (blueprint: Pick<Blueprint, 'sharedCompute'>): boolean =>
  networkMode(blueprint.sharedCompute) === 'transit-gateway';

const within = (inner: string, outer: string): boolean => {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return a.start >= b.start && a.end <= b.end;
};

const overlaps = (x: string, y: string): boolean => {
  const a = parseCidr(x);
  const b = parseCidr(y);
  return a.start <= b.end && b.start <= a.end;
};

type DedicatedView = Partial<CustomerFile> & { readonly file: string };

/**
 * The network rules that span files: for peering, the peering limit and the
 * route-table quota; for the Transit Gateway, that every customer VPC lies in
 * a declared customer range, that the ranges stay clear of the platform VPCs,
 * the attachment limit and the route-table quota.
 */
export const checkCustomerNetwork = (
  org: OrganizationFile | undefined,
  dedicated: readonly DedicatedView[],
  file: string,
  problems: BlueprintProblem[],
): void => {
  const pooledVpcs = org?.pooledData ? 1 : 0;
  if (!org || networkMode(org.sharedCompute) === 'peering') {
    const peerings = dedicated.length + pooledVpcs;
    if (peerings > AWS_LIMITS.vpcPeeringConnectionsPerVpc)
      problems.push({
        file,
        field: 'sharedCompute.vpcCidr',
        value: peerings,
        rule: `${peerings} VPC peering connections would exceed the limit of ${AWS_LIMITS.vpcPeeringConnectionsPerVpc} active peering connections per VPC; set sharedCompute.network.mode: transit-gateway for more customers`,
      });
    if (org?.sharedCompute.network?.transitGatewayId)
      problems.push({
        file,
        field: 'sharedCompute.network.transitGatewayId',
        value: org.sharedCompute.network.transitGatewayId,
        rule: 'a Transit Gateway id is only used with sharedCompute.network.mode: transit-gateway',
      });
    return;
  }
  const { sharedCompute, pooledData } = org;
  const ranges = sharedCompute.network?.customerRanges ?? [];
  if (ranges.length === 0) {
    problems.push({
      file,
      field: 'sharedCompute.network.customerRanges',
      rule: 'transit-gateway mode needs the address ranges that hold the dedicated customers’ VPCs (for example [10.16.0.0/12])',
    });
    return;
  }
  const platform: Array<[string, string]> = [
    ['sharedCompute.vpcCidr', sharedCompute.vpcCidr],
    ...(pooledData ? ([['pooledData.vpcCidr', pooledData.vpcCidr]] as Array<[string, string]>) : []),
  ];
  ranges.forEach((range, index) => {
    for (const [field, cidr] of platform)
      if (overlaps(range, cidr))
        problems.push({
          file,
          field: `sharedCompute.network.customerRanges.${index}`,
          value: range,
          rule: `overlaps ${cidr} (${field}): the shared compute VPC would route its own or the pooled cluster’s addresses to the Transit Gateway`,
        });
  });
  for (const customer of dedicated) {
    if (customer.vpcCidr && !ranges.some((range) => within(customer.vpcCidr as string, range)))
      problems.push({
        file: customer.file,
        field: 'vpcCidr',
        value: customer.vpcCidr,
        rule: `must lie within one of sharedCompute.network.customerRanges (${ranges.join(', ')}): shared compute routes only those ranges to the Transit Gateway`,
      });
  }
  // One attachment per dedicated customer, plus the shared compute VPC's own.
  if (dedicated.length + 1 > AWS_LIMITS.transitGatewayAttachments)
    problems.push({
      file,
      field: 'sharedCompute.network.mode',
      value: dedicated.length,
      rule: `${dedicated.length} dedicated customers need ${dedicated.length + 1} attachments, over the limit of ${AWS_LIMITS.transitGatewayAttachments} per Transit Gateway`,
    });
  const quota = sharedCompute.routeTableQuota ?? AWS_LIMITS.routesPerRouteTable;
  const routes = ranges.length + pooledVpcs;
  if (routes > customerRouteCapacity(quota))
    problems.push({
      file,
      field: 'sharedCompute.network.customerRanges',
      value: ranges.length,
      rule: `${routes} routes (customer ranges and the pooled cluster) plus ${SHARED_COMPUTE_SCALE.baseRoutesPerRouteTable} base routes exceed ${quota} routes per route table; use fewer, wider ranges`,
    });
};
