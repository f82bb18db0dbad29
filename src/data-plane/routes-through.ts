import { CfnRoute, type CfnRouteProps } from 'aws-cdk-lib/aws-ec2';
import type { Construct } from 'constructs';

/** What a route sends its traffic through: a peering connection or a Transit Gateway. */
export type RouteTarget = Pick<CfnRouteProps, 'vpcPeeringConnectionId' | 'transitGatewayId'>;

/**
 * One route per route table to `destinationCidrBlock` through `target`, and
 * nowhere else: a data plane's network path has exactly these routes. They
 * are named `<name>1`, `<name>2`, … in route-table order.
 */
export const routesThrough = (
  scope: Construct,
  name: string,
  routeTableIds: readonly string[],
  destinationCidrBlock: string,
  target: RouteTarget,
): CfnRoute[] =>
  routeTableIds.map(
    (routeTableId, index) =>
      new CfnRoute(scope, `${name}${index + 1}`, { routeTableId, destinationCidrBlock, ...target }),
  );
