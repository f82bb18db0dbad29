import type { Construct } from 'constructs';
import { BlueprintInvalid } from './errors.js';
import type { Blueprint } from './model.js';

/**
 * The shared compute VPC id and Transit Gateway id as the customer and
 * pooled-data stacks use them. `npx projen deploy` deploys shared compute
 * with `--outputs-file`, reads these two outputs and passes them to the later
 * steps as CDK context (`-c panops:sharedComputeVpcId=...`): nobody copies an
 * output into organization.yaml. A value still written in the blueprint
 * (the old way) must agree with the deployed one, or synth stops naming the
 * field: a stack never requests peering to an id that is not the deployed VPC.
 */
export const DEPLOYED_NETWORK = {
  vpcId: {
    context: 'panops:sharedComputeVpcId',
    output: 'VpcId',
    field: 'sharedCompute.vpcId',
    pattern: /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/,
  },
  transitGatewayId: {
    context: 'panops:transitGatewayId',
    output: 'TransitGatewayId',
    field: 'sharedCompute.network.transitGatewayId',
    pattern: /^tgw-[0-9a-f]{8}([0-9a-f]{9})?$/,
  },
} as const;

export type DeployedNetworkId = keyof typeof DEPLOYED_NETWORK;

const fromBlueprint = (blueprint: Blueprint, id: DeployedNetworkId): string | undefined =>
  id === 'vpcId' ? blueprint.sharedCompute.vpcId : blueprint.sharedCompute.network?.transitGatewayId;

/** The id the stacks use: the deployed output (context) if the deploy passed it, else the blueprint's; they must agree. */
export const deployedNetworkId = (
  scope: Construct,
  blueprint: Blueprint,
  id: DeployedNetworkId,
): string | undefined => {
  const spec = DEPLOYED_NETWORK[id];
  const deployed = scope.node.tryGetContext(spec.context) as unknown;
  const written = fromBlueprint(blueprint, id);
  if (deployed === undefined) return written;
  const problem = (value: unknown, rule: string) =>
    new BlueprintInvalid({ problems: [{ file: 'organization.yaml', field: spec.field, value, rule }] });
  if (typeof deployed !== 'string' || !spec.pattern.test(deployed))
    throw problem(
      deployed,
      `the deployed shared compute output ${spec.output} (context ${spec.context}) is not an id of this kind`,
    );
  if (written !== undefined && written !== deployed)
    throw problem(
      written,
      `is not the deployed shared compute ${spec.output} (${deployed}): remove it from the blueprint, the deploy passes the deployed id itself`,
    );
  return deployed;
};
