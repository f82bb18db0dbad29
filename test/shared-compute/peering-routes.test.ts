import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { peeredCustomers } from '../../src/shared-compute/build.js';
import { type CfnProperties, exampleBlueprint, propertiesOf, synthSharedCompute } from './fixtures.js';

let routes: Template;
let core: Template;
beforeAll(() => {
  const synth = synthSharedCompute(exampleBlueprint());
  core = synth.core;
  routes = synth.peeringRoutes[0] as Template;
});

/** The SDK call a peering lookup makes, with the imported VPC id shown as `<vpc>`. */
const lookupCall = (lookup: CfnProperties) => {
  const parts = lookup.Create['Fn::Join'][1] as Array<string | { 'Fn::ImportValue': string }>;
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : '<vpc>')).join(''));
};

describe('routes to customer VPCs over their peering', () => {
  it('routes only to dedicated customers that have an account (the others cannot peer yet)', () => {
    expect(peeredCustomers(exampleBlueprint()).map((c) => c.slug)).toEqual(['acme-capital']);
  });

  it('finds each customer’s active peering by accepter VPC, requester CIDR and owner, at deploy time', () => {
    const lookups = propertiesOf(routes, 'Custom::AWS');
    expect(lookups).toHaveLength(1);
    const call = lookupCall(lookups[0] as CfnProperties);
    expect(call.action).toBe('describeVpcPeeringConnections');
    expect(call.parameters.Filters).toEqual([
      { Name: 'accepter-vpc-info.vpc-id', Values: ['<vpc>'] },
      { Name: 'requester-vpc-info.cidr-block', Values: ['10.16.0.0/20'] },
      { Name: 'status-code', Values: ['active'] },
      { Name: 'requester-vpc-info.owner-id', Values: ['200000000001'] },
    ]);
    expect(JSON.stringify(lookups[0]?.Create)).toContain('ExportsOutputRefNetworkVpc');
  });

  it('adds a route to the customer CIDR through that peering in every private route table', () => {
    const privateTables = Object.entries(core.findResources('AWS::EC2::RouteTable'))
      .filter(([id]) => id.includes('workloads'))
      .map(([id]) => id);
    expect(privateTables).toHaveLength(2);
    const customerRoutes = propertiesOf(routes, 'AWS::EC2::Route');
    expect(customerRoutes).toHaveLength(privateTables.length);
    const lookupId = Object.keys(routes.findResources('Custom::AWS'))[0];
    for (const route of customerRoutes) {
      expect(route.DestinationCidrBlock).toBe('10.16.0.0/20');
      expect(route.VpcPeeringConnectionId).toEqual({
        'Fn::GetAtt': [lookupId, 'VpcPeeringConnections.0.VpcPeeringConnectionId'],
      });
    }
    const tables = customerRoutes.map((r) => JSON.stringify(r.RouteTableId)).sort();
    expect(tables.every((t, i) => t.includes(privateTables.sort()[i] as string))).toBe(true);
  });

  it('runs the lookup inside the shared compute VPC with a role that can only read peering connections', () => {
    const fn = propertiesOf(routes, 'AWS::Lambda::Function')[0];
    expect(fn?.VpcConfig.SubnetIds).toHaveLength(2);
    const role = propertiesOf(routes, 'AWS::IAM::Role')[0];
    const actions = role?.Policies.flatMap((p: CfnProperties) => p.PolicyDocument.Statement).flatMap(
      (s: CfnProperties) => [s.Action].flat(),
    );
    expect(actions.filter((a: string) => !a.startsWith('ec2:') || a.includes('Peering'))).toEqual([
      'ec2:DescribeVpcPeeringConnections',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
  });
});
