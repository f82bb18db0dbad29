import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { AWS_LIMITS, type Blueprint, validateBlueprint } from '../../src/config/index.js';
import { applyGuardrails } from '../../src/guardrails/index.js';
import { buildSharedCompute, type SharedComputeStacks } from '../../src/shared-compute/build.js';
import { ACCOUNTS_PER_RESOURCE_SHARE } from '../../src/shared-compute/constructs/transit-gateway-hub.js';
import { dedicatedCustomer, organization } from '../config/fixtures.js';
import { openFindings, type PluginReport, readPluginReports } from '../support/validation-report.js';
import { type CfnProperties, FIXTURE_ENTRIES, logicalIdOf, propertiesOf, resourcesOf } from './fixtures.js';

/** Past the peering limit: only transit-gateway mode can take this many dedicated customers. */
const CUSTOMERS = AWS_LIMITS.vpcPeeringConnectionsPerVpc + 25;
const RANGES = ['10.16.0.0/12'];
const SHARED_CIDR = '10.0.0.0/16';

const transitGatewayBlueprint = (customers: number): Blueprint => {
  const base = organization();
  return validateBlueprint({
    organization: {
      file: 'blueprint/organization.yaml',
      data: {
        ...base,
        sharedCompute: { ...base.sharedCompute, network: { mode: 'transit-gateway', customerRanges: RANGES } },
      },
    },
    customers: Array.from({ length: customers }, (_, i) => {
      const data = dedicatedCustomer(i + 1);
      return { file: `blueprint/customers/${data.slug}.yaml`, data };
    }),
  });
};

const build = (app: App, blueprint: Blueprint): SharedComputeStacks =>
  buildSharedCompute(app, blueprint, {
    env: { account: blueprint.sharedCompute.accountId, region: blueprint.organization.homeRegion },
    lambdaEntries: FIXTURE_ENTRIES,
  });

let stacks: SharedComputeStacks;
let hub: Template;
let core: Template;
let reports: PluginReport[];
let synthError: unknown;
beforeAll(() => {
  // One synth under every guardrail check: the templates asserted below are the ones that passed them.
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'transit-gateway-')),
    builtinCloudFormationValidation: false,
  });
  stacks = build(app, transitGatewayBlueprint(CUSTOMERS));
  applyGuardrails(app);
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  reports = readPluginReports(app.outdir);
  if (!stacks.transitGateway) throw new Error('no Transit Gateway stack in transit-gateway mode');
  hub = Template.fromStack(stacks.transitGateway);
  core = Template.fromStack(stacks.core);
});

const onlyOf = (template: Template, type: string): CfnProperties => {
  const all = propertiesOf(template, type);
  expect(all).toHaveLength(1);
  return all[0] as CfnProperties;
};
const ref = (logicalId: string) => ({ Ref: logicalId });

describe('transit-gateway network mode, shared compute side', () => {
  it('passes every guardrail with 150 dedicated customers, past the peering limit', () => {
    expect(openFindings(reports)).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('creates the gateway with no default tables, so nothing is associated before the spoke and hub tables exist', () => {
    expect(onlyOf(hub, 'AWS::EC2::TransitGateway')).toMatchObject({
      AutoAcceptSharedAttachments: 'enable',
      DefaultRouteTableAssociation: 'disable',
      DefaultRouteTablePropagation: 'disable',
    });
    expect(propertiesOf(hub, 'AWS::EC2::TransitGatewayRouteTable')).toHaveLength(2);
  });

  it('routes the spoke table only to the shared compute VPC, so customers never reach each other', () => {
    const spoke = logicalIdOf(hub, 'AWS::EC2::TransitGatewayRouteTable', (p) =>
      p.Tags.some((t: { Key: string; Value: string }) => t.Value === 'panops-customer-spokes'),
    );
    const attachment = logicalIdOf(hub, 'AWS::EC2::TransitGatewayVpcAttachment', () => true);
    const spokeRoutes = propertiesOf(hub, 'AWS::EC2::TransitGatewayRoute').filter(
      (r) => r.TransitGatewayRouteTableId.Ref === spoke,
    );
    expect(spokeRoutes).toEqual([
      {
        TransitGatewayRouteTableId: ref(spoke),
        DestinationCidrBlock: SHARED_CIDR,
        TransitGatewayAttachmentId: ref(attachment),
      },
    ]);
    // Nothing is propagated into, or associated with, the spoke table by the template.
    expect(propertiesOf(hub, 'AWS::EC2::TransitGatewayRouteTablePropagation')).toEqual([]);
    const associations = propertiesOf(hub, 'AWS::EC2::TransitGatewayRouteTableAssociation');
    expect(associations.map((a) => a.TransitGatewayRouteTableId.Ref)).not.toContain(spoke);
  });

  it('associates the shared compute attachment with the hub table, then makes spoke and hub the defaults for customers', () => {
    const tables = Object.entries(hub.findResources('AWS::EC2::TransitGatewayRouteTable'));
    const idOf = (name: string) =>
      tables.find(([, r]) =>
        (r as { Properties: CfnProperties }).Properties.Tags.some((t: { Value: string }) => t.Value === name),
      )?.[0];
    const [spoke, hubTable] = [idOf('panops-customer-spokes'), idOf('panops-shared-compute-hub')];
    const association = onlyOf(hub, 'AWS::EC2::TransitGatewayRouteTableAssociation');
    expect(association.TransitGatewayRouteTableId).toEqual(ref(hubTable as string));

    const [, defaults] = Object.entries(hub.findResources('Custom::AWS'))[0] as [
      string,
      { Properties: CfnProperties; DependsOn: string[] },
    ];
    // The call is a Fn::Join of literal JSON and Refs: put each Ref's logical id in its place and read the call back.
    const parts = defaults.Properties.Create['Fn::Join'][1] as Array<string | { Ref: string }>;
    const call = JSON.parse(parts.map((p) => (typeof p === 'string' ? p : p.Ref)).join(''));
    expect(call).toMatchObject({
      action: 'modifyTransitGateway',
      parameters: {
        TransitGatewayId: logicalIdOf(hub, 'AWS::EC2::TransitGateway', () => true),
        Options: {
          DefaultRouteTableAssociation: 'enable',
          AssociationDefaultRouteTableId: spoke,
          DefaultRouteTablePropagation: 'enable',
          PropagationDefaultRouteTableId: hubTable,
        },
      },
    });
    const associationId = logicalIdOf(hub, 'AWS::EC2::TransitGatewayRouteTableAssociation', () => true);
    const spokeRouteId = logicalIdOf(hub, 'AWS::EC2::TransitGatewayRoute', () => true);
    expect(defaults.DependsOn).toEqual(expect.arrayContaining([associationId, spokeRouteId]));
  });

  it('routes each customer range (not each customer) from every private route table, after the attachment exists', () => {
    const attachment = logicalIdOf(hub, 'AWS::EC2::TransitGatewayVpcAttachment', () => true);
    const routes = Object.values(hub.findResources('AWS::EC2::Route')) as Array<{
      Properties: CfnProperties;
      DependsOn: string[];
    }>;
    const privateTables = stacks.core.network.privateRouteTableIds.length;
    expect(routes).toHaveLength(privateTables * RANGES.length);
    for (const route of routes) {
      expect(route.Properties.DestinationCidrBlock).toBe(RANGES[0]);
      expect(route.Properties.TransitGatewayId).toEqual(ref(logicalIdOf(hub, 'AWS::EC2::TransitGateway', () => true)));
      expect(route.DependsOn).toContain(attachment);
    }
  });

  it('shares the gateway only with the dedicated customers’ accounts, at most 100 per share, nobody outside the organization', () => {
    const shares = propertiesOf(hub, 'AWS::RAM::ResourceShare');
    expect(shares).toHaveLength(Math.ceil(CUSTOMERS / ACCOUNTS_PER_RESOURCE_SHARE));
    const principals = shares.flatMap((s) => s.Principals as string[]);
    expect(new Set(principals)).toEqual(
      new Set(Array.from({ length: CUSTOMERS }, (_, i) => dedicatedCustomer(i + 1).accountId)),
    );
    for (const share of shares) {
      expect(share.AllowExternalPrincipals).toBe(false);
      expect(share.Principals.length).toBeLessThanOrEqual(ACCOUNTS_PER_RESOURCE_SHARE);
    }
  });

  it('creates no peering accepter and no peering routes', () => {
    expect(stacks.peeringRoutes).toEqual([]);
    expect(propertiesOf(core, 'AWS::IAM::Role').map((r) => r.RoleName)).not.toContain('panops-vpc-peering-accepter');
  });

  it('keeps the gateway stack the same size whatever the number of customers, but for one share per 100 accounts', () => {
    const small = build(new App({ builtinCloudFormationValidation: false }), transitGatewayBlueprint(10));
    const smallCount = Object.keys(resourcesOf(Template.fromStack(small.transitGateway as never))).length;
    const extraShares = Math.ceil(CUSTOMERS / ACCOUNTS_PER_RESOURCE_SHARE) - 1;
    expect(Object.keys(resourcesOf(hub)).length).toBe(smallCount + extraShares);
  });
});
