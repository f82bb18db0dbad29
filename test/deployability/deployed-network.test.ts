import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildOrganization } from '../../src/app.js';
import { type Blueprint, BlueprintInvalid, DEPLOYED_NETWORK } from '../../src/config/index.js';
import {
  DeployedOutputMissing,
  deployedContext,
  deployPlan,
  SHARED_COMPUTE_OUTPUTS_FILE,
  withDeployedContext,
} from '../../src/org/deploy-plan.js';
import { organizationBlueprint } from '../support/organizations.js';

const DEPLOYED_VPC = 'vpc-0123456789abcdef0';
const DEPLOYED_TGW = 'tgw-0fedcba9876543210';

/** Builds (without synth) an organization with the given CDK context, as `cdk deploy -c` would. */
const build = (
  kind: Parameters<typeof organizationBlueprint>[0],
  context: Record<string, string>,
  edit = (b: Blueprint): Blueprint => b,
) => {
  const blueprint = edit(organizationBlueprint(kind));
  const app = new App({ builtinCloudFormationValidation: false, context });
  return { blueprint, stacks: buildOrganization(app, blueprint) };
};
const peerVpcIds = (template: Template) =>
  Object.values(template.findResources('AWS::EC2::VPCPeeringConnection')).map(
    (r) => (r as { Properties: { PeerVpcId: unknown } }).Properties.PeerVpcId,
  );

describe('no manual copy between steps: the shared compute ids reach the customer stacks from its deployed outputs', () => {
  it('the deploy writes the shared compute outputs and passes the VPC id to pooled data, customers and peering routes', () => {
    const { blueprint, stacks } = build('twenty-customers', {});
    const { steps } = deployPlan(stacks, blueprint, { rootId: 'r-ab12' });
    const step = (id: string) => {
      const found = steps.find((s) => s.id === id);
      if (!found) throw new Error(`no step ${id}`);
      return found;
    };
    expect(step('shared-compute')?.command).toEqual(
      expect.arrayContaining(['--outputs-file', SHARED_COMPUTE_OUTPUTS_FILE]),
    );
    for (const id of ['pooled-data', 'customers', 'peering-routes'])
      expect(step(id)?.contextFromOutputs, id).toEqual([
        { context: DEPLOYED_NETWORK.vpcId.context, stack: 'PanOps-SharedCompute', output: 'VpcId' },
      ]);
    const outputs = { 'PanOps-SharedCompute': { VpcId: DEPLOYED_VPC } };
    expect(withDeployedContext(step('customers'), outputs).slice(-2)).toEqual([
      '-c',
      `panops:sharedComputeVpcId=${DEPLOYED_VPC}`,
    ]);
    // A dry run shows where the value comes from; a real run without the output stops, naming it.
    expect(withDeployedContext(step('customers'), undefined).join(' ')).toContain(
      '<output VpcId of PanOps-SharedCompute>',
    );
    expect(() => withDeployedContext(step('customers'), {})).toThrow(DeployedOutputMissing);
    expect(deployedContext(steps, outputs)).toEqual({ 'panops:sharedComputeVpcId': DEPLOYED_VPC });
  });

  it('in transit-gateway mode the customer stacks also get the Transit Gateway id from its stack’s output', () => {
    const { blueprint, stacks } = build('transit-gateway', {});
    const customers = deployPlan(stacks, blueprint, { rootId: 'r-ab12' }).steps.find((s) => s.id === 'customers');
    expect(customers?.contextFromOutputs).toContainEqual({
      context: DEPLOYED_NETWORK.transitGatewayId.context,
      stack: 'PanOps-SharedCompute-TransitGateway',
      output: 'TransitGatewayId',
    });
    const hubStack = stacks.sharedComputeStacks.transitGateway;
    if (!hubStack) throw new Error('no Transit Gateway stack in transit-gateway mode');
    const hub = Template.fromStack(hubStack);
    expect(Object.keys(hub.toJSON().Outputs)).toContain('TransitGatewayId');
    const attached = build('transit-gateway', { [DEPLOYED_NETWORK.transitGatewayId.context]: DEPLOYED_TGW });
    const [first] = [...attached.stacks.customers.values()];
    if (!first) throw new Error('no customer stack');
    const customer = Template.fromStack(first);
    customer.hasResourceProperties('AWS::EC2::TransitGatewayAttachment', { TransitGatewayId: DEPLOYED_TGW });
  });

  it('a customer stack requests peering to the deployed VPC, with no id written in the blueprint', () => {
    const { stacks } = build('twenty-customers', { [DEPLOYED_NETWORK.vpcId.context]: DEPLOYED_VPC }, (b) => ({
      ...b,
      sharedCompute: { ...b.sharedCompute, vpcId: undefined },
    }));
    for (const customer of stacks.customers.values())
      expect(peerVpcIds(Template.fromStack(customer))).toEqual([DEPLOYED_VPC]);
    // The shared compute side routes to them once the id is known.
    expect(stacks.sharedComputeStacks.peeringRoutes.length).toBeGreaterThan(0);
  });

  it('never requests peering to a placeholder: a blueprint id that is not the deployed VPC stops synth, naming the field', () => {
    // The example organization still carries an example id (vpc-0a1b2c3d4e5f60718).
    const attempt = () => build('example', { [DEPLOYED_NETWORK.vpcId.context]: DEPLOYED_VPC });
    expect(attempt).toThrow(BlueprintInvalid);
    expect(attempt).toThrow(
      /sharedCompute\.vpcId.*vpc-0a1b2c3d4e5f60718.*is not the deployed shared compute VpcId \(vpc-0123456789abcdef0\)/s,
    );
    // Nor can the deploy pass anything but a VPC id.
    expect(() => build('twenty-customers', { [DEPLOYED_NETWORK.vpcId.context]: 'vpc-REPLACE-ME' })).toThrow(
      BlueprintInvalid,
    );
  });
});
