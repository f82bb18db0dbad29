import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Blueprint, dedicatedCustomers, validateBlueprint } from '../../src/config/index.js';
import { applyGuardrails } from '../../src/guardrails/index.js';
import { CustomerStack } from '../../src/tenant/customer-stack.js';
import { dedicatedCustomer, organization } from '../config/fixtures.js';

const TGW = 'tgw-0a1b2c3d4e5f60718';
const SHARED_CIDR = '10.0.0.0/16';

const blueprintWith = (network: Record<string, unknown>): Blueprint => {
  const base = organization();
  const data = dedicatedCustomer(1);
  return validateBlueprint({
    organization: { file: 'organization.yaml', data: { ...base, sharedCompute: { ...base.sharedCompute, network } } },
    customers: [{ file: `customers/${data.slug}.yaml`, data }],
  });
};

const customerStack = (app: App, id: string, blueprint: Blueprint): CustomerStack => {
  const [customer] = dedicatedCustomers(blueprint);
  if (!customer) throw new Error('fixture customer missing');
  return new CustomerStack(app, id, {
    env: { account: customer.accountId, region: blueprint.organization.homeRegion },
    blueprint,
    customer,
    migrations: { sources: [{ name: '0000_test.sql', text: 'SELECT 1;' }], fingerprint: 'test' },
  });
};

let attached: Template;
let pending: CustomerStack;
let pendingTemplate: Template;
let openFindings: string[];
beforeAll(() => {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'tgw-customer-')), builtinCloudFormationValidation: false });
  const ranges = ['10.16.0.0/12'];
  const attachedStack = customerStack(
    app,
    'Attached',
    blueprintWith({ mode: 'transit-gateway', transitGatewayId: TGW, customerRanges: ranges }),
  );
  pending = customerStack(app, 'Pending', blueprintWith({ mode: 'transit-gateway', customerRanges: ranges }));
  applyGuardrails(app);
  app.synth();
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string }> }>;
  };
  openFindings = report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName} ${v.ruleName}`));
  attached = Template.fromStack(attachedStack);
  pendingTemplate = Template.fromStack(pending);
});

describe('a customer stack in transit-gateway mode', () => {
  it('attaches its VPC to the shared Transit Gateway in one isolated subnet per zone, and requests no peering', () => {
    const attachments = Object.values(attached.findResources('AWS::EC2::TransitGatewayAttachment'));
    expect(attachments).toHaveLength(1);
    const props = (attachments[0] as { Properties: { TransitGatewayId: string; SubnetIds: Array<{ Ref: string }> } })
      .Properties;
    expect(props.TransitGatewayId).toBe(TGW);
    const isolated = Object.keys(attached.findResources('AWS::EC2::Subnet'));
    expect(props.SubnetIds).toHaveLength(2);
    for (const subnet of props.SubnetIds) expect(isolated).toContain(subnet.Ref);
    attached.resourceCountIs('AWS::EC2::VPCPeeringConnection', 0);
  });

  it('routes only the shared compute CIDR to the Transit Gateway, from every isolated route table, after attaching', () => {
    const routes = Object.values(attached.findResources('AWS::EC2::Route')) as Array<{
      Properties: { DestinationCidrBlock: string; TransitGatewayId: string; RouteTableId: { Ref: string } };
      DependsOn: string[];
    }>;
    const attachment = Object.keys(attached.findResources('AWS::EC2::TransitGatewayAttachment'))[0];
    const tables = Object.keys(attached.findResources('AWS::EC2::RouteTable'));
    expect(routes.map((r) => r.Properties.RouteTableId.Ref).sort()).toEqual(tables.sort());
    for (const route of routes) {
      expect(route.Properties.DestinationCidrBlock).toBe(SHARED_CIDR);
      expect(route.Properties.TransitGatewayId).toBe(TGW);
      expect(route.DependsOn).toContain(attachment);
    }
  });

  it('passes every guardrail with the attachment', () => {
    expect(openFindings).toEqual([]);
  });

  it('has no attachment and no route until the Transit Gateway id is known, and says so', () => {
    pendingTemplate.resourceCountIs('AWS::EC2::TransitGatewayAttachment', 0);
    pendingTemplate.resourceCountIs('AWS::EC2::Route', 0);
    Annotations.fromStack(pending).hasWarning('/Pending', Match.stringLikeRegexp('Transit Gateway id is not known'));
  });
});
