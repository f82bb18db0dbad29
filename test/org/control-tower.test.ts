import { readdirSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundledControlRules,
  ControlCatalogInvalid,
  guardRuleFor,
  loadControlCatalog,
  parseControlCatalog,
} from '../../src/org/control-tower/control-catalog.js';
import { OrganizationStack } from '../../src/org/organization-stack.js';
import { dedicatedCustomer } from '../config/fixtures.js';
import { resourcesOfType } from '../support/template.js';
import { blueprintWith } from './fixtures.js';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

/** Made-up identifiers for this test only: they exercise the wiring, never a real deploy. */
const reviewed = (id: string, ous: string[]) => ({
  id,
  guardRule: guardRuleFor(id),
  ous,
  controlIdentifier: `arn:aws:controlcatalog:::control/test${id.toLowerCase().replace(/[^a-z0-9]/g, '')}`,
  source: 'test fixture',
});

const catalog = parseControlCatalog(
  {
    controls: [
      reviewed('CT.S3.PR.1', ['Customers', 'Infrastructure']),
      reviewed('CT.S3.PR.2', ['Customers', 'Infrastructure']),
      reviewed('CT.SQS.PR.1', ['Infrastructure']),
      reviewed('CT.KMS.PR.1', ['Customers']),
      { id: 'CT.RDS.PR.3', guardRule: 'ct-rds-pr-3', ous: ['Customers'], controlIdentifier: null },
    ],
  },
  'fixture-controls.json',
);

let resources: Record<string, Resource>;
const ofType = (type: string) => resourcesOfType(resources, type);
const ouName = (logicalId: string) => (resources[logicalId]?.Properties as { Name: string } | undefined)?.Name;

beforeAll(() => {
  // Three customers, two accounts per OU: two Customers shards.
  const blueprint = blueprintWith([dedicatedCustomer(1), dedicatedCustomer(2), dedicatedCustomer(3)]);
  const app = new App({ builtinCloudFormationValidation: false } as never);
  const stack = new OrganizationStack(app, 'Org', {
    env: { account: blueprint.organization.managementAccountId, region: 'us-east-1' },
    blueprint,
    controlCatalog: catalog,
    accountsPerOu: 2,
  });
  resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
});

describe('enabled controls', () => {
  it('enables each control on every OU of its role: each Customers shard and Infrastructure', () => {
    const enabled = ofType('AWS::ControlTower::EnabledControl').map(([, r]) => {
      const target = (r.Properties.TargetIdentifier as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      expect(target[1]).toBe('Arn');
      const tag = (r.Properties.Tags as { Key: string; Value: string }[])[0]?.Value;
      return `${tag} on ${ouName(target[0])}`;
    });
    expect(enabled.sort()).toEqual(
      [
        'CT.S3.PR.1 on Customers-1',
        'CT.S3.PR.1 on Customers-2',
        'CT.S3.PR.1 on Infrastructure',
        'CT.S3.PR.2 on Customers-1',
        'CT.S3.PR.2 on Customers-2',
        'CT.S3.PR.2 on Infrastructure',
        'CT.SQS.PR.1 on Infrastructure',
        'CT.KMS.PR.1 on Customers-1',
        'CT.KMS.PR.1 on Customers-2',
        'CT.RDS.PR.3 on Customers-1',
        'CT.RDS.PR.3 on Customers-2',
      ].sort(),
    );
  });

  it('uses the identifier from the catalog, never one derived from the control id', () => {
    const identifiers = new Set(
      ofType('AWS::ControlTower::EnabledControl').map(([, r]) => r.Properties.ControlIdentifier),
    );
    const recorded = new Set([...identifiers].filter((i) => typeof i === 'string'));
    expect(recorded).toEqual(
      new Set(catalog.controls.filter((c) => c.controlIdentifier).map((c) => c.controlIdentifier)),
    );
  });

  it('enables a control with no recorded identifier with the one the Control Catalog lookup resolves at deploy', () => {
    const rds = ofType('AWS::ControlTower::EnabledControl').filter(
      ([, r]) => (r.Properties.Tags as { Value: string }[])[0]?.Value === 'CT.RDS.PR.3',
    );
    expect(rds).toHaveLength(2);
    const [lookupId] = ofType('Custom::PanOpsControlIdentifiers').map(([id]) => id);
    for (const [, r] of rds)
      expect(r.Properties.ControlIdentifier).toEqual({ 'Fn::GetAtt': [lookupId, 'CT.RDS.PR.3'] });
    // Only the unrecorded alias is looked up.
    const [, lookup] = ofType('Custom::PanOpsControlIdentifiers')[0] as [string, Resource];
    expect(lookup.Properties.Aliases).toEqual(['CT.RDS.PR.3']);
  });

  it('chains controls so that at most five Control Tower operations run at once, after every OU is registered', () => {
    const controls = ofType('AWS::ControlTower::EnabledControl');
    const controlIds = new Set(controls.map(([id]) => id));
    const baselineIds = ofType('AWS::ControlTower::EnabledBaseline').map(([id]) => id);
    // Resources with no control among their dependencies can run together: the lane heads.
    const heads = controls.filter(([, r]) => !(r.DependsOn ?? []).some((d) => controlIds.has(d)));
    expect(heads).toHaveLength(5);
    for (const [, head] of heads) expect(head.DependsOn).toEqual(expect.arrayContaining(baselineIds));
    // Every other control waits for exactly one control: the one before it in its lane.
    for (const [, r] of controls.filter((c) => !heads.includes(c)))
      expect((r.DependsOn ?? []).filter((d) => controlIds.has(d))).toHaveLength(1);
  });

  it('shards customer accounts into Customers OUs that stay within the per-OU account limit', () => {
    const shards = ofType('AWS::Organizations::OrganizationalUnit')
      .map(([, r]) => (r.Properties as { Name: string }).Name)
      .filter((name) => name.startsWith('Customers-'));
    expect(shards.sort()).toEqual(['Customers-1', 'Customers-2']);
  });
});

describe('the reviewed control list (policies/control-tower/controls.json)', () => {
  const real = loadControlCatalog();

  it('names, for every control, the bundled Guard rule whose metadata is that control', () => {
    const bundled = bundledControlRules();
    for (const control of real.controls) expect(bundled.get(control.guardRule), control.id).toBe(control.id);
  });

  it('lists only controls whose Guard rule ships in cdk-validator-cfnguard', () => {
    const services = readdirSync(
      new URL('../../node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard/', import.meta.url),
    );
    const files = services.flatMap((service) =>
      readdirSync(
        new URL(
          `../../node_modules/@cdklabs/cdk-validator-cfnguard/rules/control-tower/cfn-guard/${service}/`,
          import.meta.url,
        ),
      ),
    );
    for (const control of real.controls) expect(files, control.id).toContain(`${control.guardRule}.guard`);
  });

  it('invents no identifier: each is null (resolved at deploy from the Control Catalog) or a control ARN with its source', () => {
    for (const control of real.controls)
      if (control.controlIdentifier !== null) expect(control.source, control.id).toBeTruthy();
  });

  it('refuses a guard rule that implements another control, naming both', () => {
    expect(() =>
      parseControlCatalog(
        { controls: [{ id: 'CT.S3.PR.1', guardRule: 'ct-s3-pr-2', ous: ['Customers'], controlIdentifier: null }] },
        'bad.json',
      ),
    ).toThrow(/ct-s3-pr-2: the bundled rule implements CT\.S3\.PR\.2, not CT\.S3\.PR\.1/);
  });

  it('refuses an identifier that is not a control ARN, one without a source, and one given to two controls', () => {
    const attempt = (entry: Record<string, unknown>) => () =>
      parseControlCatalog(
        { controls: [{ id: 'CT.S3.PR.1', guardRule: 'ct-s3-pr-1', ous: ['Customers'], ...entry }] },
        'bad.json',
      );
    expect(attempt({ controlIdentifier: 'CT.S3.PR.1' })).toThrow(ControlCatalogInvalid);
    expect(attempt({ controlIdentifier: 'CT.S3.PR.1' })).toThrow(/must be arn:aws:controlcatalog/);
    expect(attempt({ controlIdentifier: 'arn:aws:controlcatalog:::control/abcdefghijk' })).toThrow(/source/);
    expect(attempt({})).toThrow(/or null to resolve it at deploy/);
    const arn = 'arn:aws:controlcatalog:::control/abcdefghijk';
    expect(() =>
      parseControlCatalog(
        {
          controls: [
            { id: 'CT.S3.PR.1', guardRule: 'ct-s3-pr-1', ous: ['Customers'], controlIdentifier: arn, source: 'x' },
            { id: 'CT.S3.PR.2', guardRule: 'ct-s3-pr-2', ous: ['Customers'], controlIdentifier: arn, source: 'x' },
          ],
        },
        'bad.json',
      ),
    ).toThrow(/CT\.S3\.PR\.2.*also the identifier of CT\.S3\.PR\.1/);
  });

  it('refuses an OU role the organization does not have, and a control listed twice', () => {
    expect(() =>
      parseControlCatalog(
        {
          controls: [
            { id: 'CT.S3.PR.1', guardRule: 'ct-s3-pr-1', ous: ['Workloads'], controlIdentifier: null },
            { id: 'CT.S3.PR.1', guardRule: 'ct-s3-pr-1', ous: ['Customers'], controlIdentifier: null },
          ],
        },
        'bad.json',
      ),
    ).toThrow(/"Workloads" is not one of Infrastructure, Customers, Quarantine[\s\S]*listed twice/);
  });
});
