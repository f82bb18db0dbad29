import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLE_NAMES, TAG_KEYS } from '../../src/config/index.js';
import { loadControlCatalog } from '../../src/org/control-tower/control-catalog.js';
import { OrganizationStack } from '../../src/org/organization-stack.js';
import { resourcesOfType } from '../support/template.js';
import { exampleBlueprint } from './fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized template JSON is untyped
type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };
type Statement = {
  Sid: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string[];
  Resource: string;
  Condition?: Record<string, Record<string, string | string[]>>;
};

let template: { Resources: Record<string, Resource>; Metadata?: Record<string, unknown> };
const blueprint = exampleBlueprint();

const ofType = (type: string) => resourcesOfType(template.Resources, type);
const ouLogicalId = (name: string): string => {
  const found = ofType('AWS::Organizations::OrganizationalUnit').find(([, r]) => r.Properties.Name === name);
  if (!found) throw new Error(`no OU named ${name}`);
  return found[0];
};
const policy = (name: string) => {
  const found = ofType('AWS::Organizations::Policy').find(([, r]) => r.Properties.Name === name);
  if (!found) throw new Error(`no SCP named ${name}`);
  return found[1].Properties;
};
const statements = (name: string): Statement[] => policy(name).Content.Statement;
const statement = (name: string, sid: string): Statement => {
  const found = statements(name).find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${name}`);
  return found;
};
const exempted = (s: Statement): string[] => (s.Condition?.ArnNotLike?.['aws:PrincipalArn'] as string[]) ?? [];
const roleArnPattern = (name: string) => `arn:aws:iam::*:role/${name}`;

beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false } as never);
  const stack = new OrganizationStack(app, 'Org', {
    env: { account: blueprint.organization.managementAccountId, region: 'us-east-1' },
    blueprint,
  });
  template = Template.fromStack(stack).toJSON() as typeof template;
});

describe('organizational units', () => {
  it('creates Infrastructure, Customers and Quarantine under the root, and the first Customers shard under Customers', () => {
    const ous = Object.fromEntries(
      ofType('AWS::Organizations::OrganizationalUnit').map(([, r]) => [r.Properties.Name, r.Properties.ParentId]),
    );
    expect(Object.keys(ous).sort()).toEqual(['Customers', 'Customers-1', 'Infrastructure', 'Quarantine']);
    expect(ous.Infrastructure).toEqual({ Ref: 'OrganizationRootId' });
    expect(ous.Customers).toEqual({ Ref: 'OrganizationRootId' });
    expect(ous.Quarantine).toEqual({ Ref: 'OrganizationRootId' });
    expect(ous['Customers-1']).toEqual({ 'Fn::GetAtt': [ouLogicalId('Customers'), 'Id'] });
  });

  it('leaves the Security OU to the landing zone, which creates it from its manifest', () => {
    const names = ofType('AWS::Organizations::OrganizationalUnit').map(([, r]) => r.Properties.Name);
    expect(names).not.toContain('Security');
    const [, landingZone] = ofType('AWS::ControlTower::LandingZone')[0] ?? [];
    expect(landingZone?.Properties.Manifest.organizationStructure).toEqual({ security: { name: 'Security' } });
  });
});

describe('service control policies', () => {
  it('sends every SCP as a JSON object, not a string, and names it after its file', () => {
    const policies = ofType('AWS::Organizations::Policy');
    expect(policies.map(([, r]) => r.Properties.Name).sort()).toEqual([
      'panops-deny-internet-gateways',
      'panops-deny-public-s3',
      'panops-deny-ungoverned-regions',
      'panops-organization-baseline',
      'panops-protect-cloudtrail',
      'panops-protect-customer-kms-keys',
      'panops-quarantine',
    ]);
    for (const [, r] of policies) {
      expect(r.Properties.Type).toBe('SERVICE_CONTROL_POLICY');
      expect(typeof r.Properties.Content).toBe('object');
      expect(r.Properties.Content.Version).toBe('2012-10-17');
    }
  });

  it('attaches the organization-wide SCPs to the root, the customer SCPs to Customers and the quarantine SCP to Quarantine', () => {
    const root = [{ Ref: 'OrganizationRootId' }];
    for (const name of [
      'panops-organization-baseline',
      'panops-protect-cloudtrail',
      'panops-deny-ungoverned-regions',
      'panops-deny-public-s3',
    ])
      expect(policy(name).TargetIds).toEqual(root);
    const customers = [{ 'Fn::GetAtt': [ouLogicalId('Customers'), 'Id'] }];
    expect(policy('panops-deny-internet-gateways').TargetIds).toEqual(customers);
    expect(policy('panops-protect-customer-kms-keys').TargetIds).toEqual(customers);
    expect(policy('panops-quarantine').TargetIds).toEqual([{ 'Fn::GetAtt': [ouLogicalId('Quarantine'), 'Id'] }]);
  });

  it('denies leaving the organization to everyone', () => {
    expect(statement('panops-organization-baseline', 'DenyLeavingTheOrganization')).toEqual({
      Sid: 'DenyLeavingTheOrganization',
      Effect: 'Deny',
      Action: 'organizations:LeaveOrganization',
      Resource: '*',
    });
  });

  it('denies every SQS call made without TLS, to everyone, and only when the request says so', () => {
    const s = statement('panops-organization-baseline', 'DenySqsRequestsWithoutTls');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toBe('sqs:*');
    expect(s.Resource).toBe('*');
    // Bool, not BoolIfExists: a request without the key (a service acting for the account) is not refused.
    expect(s.Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });

  it('denies deleting Aurora automated backups and cluster snapshots to all but break-glass', () => {
    const s = statement('panops-organization-baseline', 'DenyDeletingAuroraBackups');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toEqual(['rds:DeleteDBClusterAutomatedBackup', 'rds:DeleteDBClusterSnapshot']);
    expect(exempted(s)).toEqual([roleArnPattern(ROLE_NAMES.breakGlass)]);
  });

  it('denies changing an Aurora cluster (backup retention, deletion protection) except through the deploy role and break-glass', () => {
    const s = statement('panops-organization-baseline', 'DenyAuroraClusterChangesOutsideDeploys');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toBe('rds:ModifyDBCluster');
    expect(exempted(s)).toEqual([roleArnPattern(ROLE_NAMES.deploy), roleArnPattern(ROLE_NAMES.breakGlass)]);
  });

  it('denies stopping trails to all but break-glass (Control Tower 3.x keeps its trail at the organization)', () => {
    const s = statement('panops-protect-cloudtrail', 'DenyStoppingTrails');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toEqual('cloudtrail:StopLogging');
    expect(exempted(s)).toEqual([roleArnPattern(ROLE_NAMES.breakGlass)]);
  });

  it('denies deleting trails to all but break-glass and the deploy role (which rolls back a failed first create only)', () => {
    const s = statement('panops-protect-cloudtrail', 'DenyDeletingTrailsOutsideFailedCreates');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toEqual('cloudtrail:DeleteTrail');
    expect(exempted(s)).toEqual([roleArnPattern(ROLE_NAMES.deploy), roleArnPattern(ROLE_NAMES.breakGlass)]);
  });

  it('denies altering trails except through the deploy role (and break-glass, Control Tower)', () => {
    const s = statement('panops-protect-cloudtrail', 'DenyAlteringTrailsOutsideDeploys');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toEqual(
      expect.arrayContaining(['cloudtrail:UpdateTrail', 'cloudtrail:PutEventSelectors', 'cloudtrail:RemoveTags']),
    );
    expect(exempted(s)).toContain(roleArnPattern(ROLE_NAMES.deploy));
    expect(exempted(s)).toContain(roleArnPattern(ROLE_NAMES.breakGlass));
  });

  it('denies changing account or bucket public access blocks except by the roles that create buckets in a deploy', () => {
    const s = statement('panops-deny-public-s3', 'DenyPublicAccessBlockChangesOutsideDeploys');
    expect(s.Effect).toBe('Deny');
    expect(s.Action).toEqual(['s3:PutAccountPublicAccessBlock', 's3:PutBucketPublicAccessBlock']);
    // The CDK deploy role (our buckets), the StackSet execution role (the bootstrap bucket), Control Tower (log archive buckets).
    expect(exempted(s)).toEqual([
      roleArnPattern(ROLE_NAMES.deploy),
      roleArnPattern('stacksets-exec-*'),
      roleArnPattern('AWSControlTowerExecution'),
    ]);
  });

  it('denies public canned ACLs to everyone, the deploy role included', () => {
    const s = statement('panops-deny-public-s3', 'DenyPublicCannedAcls');
    expect(s.Condition).toEqual({
      StringEquals: { 's3:x-amz-acl': ['public-read', 'public-read-write', 'authenticated-read'] },
    });
    expect(s.Action).toEqual(expect.arrayContaining(['s3:PutBucketAcl', 's3:PutObjectAcl', 's3:CreateBucket']));
  });

  it.each([
    ['DenyPublicReadGrants', 's3:x-amz-grant-read'],
    ['DenyPublicWriteGrants', 's3:x-amz-grant-write'],
    ['DenyPublicFullControlGrants', 's3:x-amz-grant-full-control'],
  ])('%s denies ACL grants to AllUsers and AuthenticatedUsers through %s', (sid, header) => {
    const s = statement('panops-deny-public-s3', sid);
    expect(s.Effect).toBe('Deny');
    // One header per statement: keys in one condition block are ANDed, which would let a single header through.
    expect(Object.keys(s.Condition?.StringLike ?? {})).toEqual([header]);
    expect(s.Condition?.StringLike?.[header]).toEqual([
      '*acs.amazonaws.com/groups/global/AllUsers*',
      '*acs.amazonaws.com/groups/global/AuthenticatedUsers*',
    ]);
  });

  it('denies regional actions outside the governed regions, filled in from the blueprint', () => {
    const s = statement('panops-deny-ungoverned-regions', 'DenyRegionsOutsideTheGovernedRegions');
    expect(s.Condition?.StringNotEquals?.['aws:RequestedRegion']).toEqual(['us-east-1', 'eu-west-1']);
    expect(s.NotAction).toEqual(expect.arrayContaining(['iam:*', 'organizations:*', 'sts:*', 'cloudfront:*']));
    expect(s.NotAction).not.toContain('s3:*');
    expect(s.NotAction).not.toContain('ec2:*');
    expect(exempted(s)).toContain(roleArnPattern('AWSControlTowerExecution'));
  });

  it('denies internet, egress-only and carrier gateways and default VPCs in customer accounts, with no exemption', () => {
    const s = statement('panops-deny-internet-gateways', 'DenyInternetGatewaysAndDefaultVpcs');
    expect(s.Action).toEqual([
      'ec2:CreateInternetGateway',
      'ec2:AttachInternetGateway',
      'ec2:CreateEgressOnlyInternetGateway',
      'ec2:CreateCarrierGateway',
      'ec2:CreateDefaultVpc',
      'ec2:CreateDefaultSubnet',
    ]);
    expect(s.Condition).toBeUndefined();
  });

  it('denies disabling or scheduling deletion of customer keys except by the break-glass role', () => {
    const s = statement('panops-protect-customer-kms-keys', 'DenyDisablingOrDeletingCustomerKeys');
    expect(s.Action).toEqual(['kms:DisableKey', 'kms:ScheduleKeyDeletion']);
    expect(exempted(s)).toEqual([roleArnPattern(ROLE_NAMES.breakGlass)]);
  });

  it('quarantines new accounts: everything denied but the roles that apply the baseline', () => {
    const s = statement('panops-quarantine', 'DenyEverythingUntilTheBaselineIsApplied');
    expect(s.Action).toBe('*');
    expect(exempted(s)).toEqual(
      expect.arrayContaining([
        roleArnPattern('AWSControlTowerExecution'),
        roleArnPattern('stacksets-exec-*'),
        roleArnPattern(ROLE_NAMES.breakGlass),
      ]),
    );
    // Workloads cannot be deployed into a quarantined account.
    expect(exempted(s)).not.toContain(roleArnPattern(ROLE_NAMES.deploy));
  });

  it('has a test above for every statement it deploys', () => {
    const tested = new Set([
      'DenyLeavingTheOrganization',
      'DenySqsRequestsWithoutTls',
      'DenyDeletingAuroraBackups',
      'DenyAuroraClusterChangesOutsideDeploys',
      'DenyStoppingTrails',
      'DenyDeletingTrailsOutsideFailedCreates',
      'DenyAlteringTrailsOutsideDeploys',
      'DenyPublicAccessBlockChangesOutsideDeploys',
      'DenyPublicCannedAcls',
      'DenyPublicReadGrants',
      'DenyPublicWriteGrants',
      'DenyPublicFullControlGrants',
      'DenyRegionsOutsideTheGovernedRegions',
      'DenyInternetGatewaysAndDefaultVpcs',
      'DenyDisablingOrDeletingCustomerKeys',
      'DenyEverythingUntilTheBaselineIsApplied',
    ]);
    const deployed = ofType('AWS::Organizations::Policy').flatMap(([, r]) =>
      (r.Properties.Content.Statement as Statement[]).map((s) => s.Sid),
    );
    expect(new Set(deployed)).toEqual(tested);
    expect(JSON.stringify(template.Resources)).not.toContain('{{');
  });
});

describe('Control Tower', () => {
  it('sets up the landing zone with the governed regions, logging to the log archive account and security roles in the audit account', () => {
    const [[, landingZone]] = ofType('AWS::ControlTower::LandingZone') as [[string, Resource]];
    const manifest = landingZone.Properties.Manifest;
    expect(manifest.governedRegions).toEqual(['us-east-1', 'eu-west-1']);
    expect(manifest.centralizedLogging).toMatchObject({
      accountId: blueprint.organization.logArchiveAccountId,
      enabled: true,
      configurations: { loggingBucket: { retentionDays: 2557 } },
    });
    expect(manifest.securityRoles).toEqual({ accountId: blueprint.organization.auditAccountId });
  });

  it('creates the Control Tower service roles before the landing zone, each trusted by its service only', () => {
    const roles: Record<string, { id: string; principal: string }> = Object.fromEntries(
      ofType('AWS::IAM::Role')
        .filter(([, r]) => r.Properties.RoleName)
        .map(([id, r]) => [
          r.Properties.RoleName as string,
          { id, principal: r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service as string },
        ]),
    );
    expect(Object.fromEntries(Object.entries(roles).map(([name, r]) => [name, r.principal]))).toEqual({
      AWSControlTowerAdmin: 'controltower.amazonaws.com',
      AWSControlTowerCloudTrailRole: 'cloudtrail.amazonaws.com',
      AWSControlTowerStackSetRole: 'cloudformation.amazonaws.com',
      AWSControlTowerConfigAggregatorRoleForOrganizations: 'config.amazonaws.com',
    });
    const [[, landingZone]] = ofType('AWS::ControlTower::LandingZone') as [[string, Resource]];
    for (const { id } of Object.values(roles)) expect(landingZone.DependsOn).toContain(id);
  });

  it('registers every OU it creates with the AWSControlTowerBaseline, one at a time, parents first', () => {
    const baselines = ofType('AWS::ControlTower::EnabledBaseline');
    const byTarget = new Map(baselines.map(([id, r]) => [r.Properties.TargetIdentifier['Fn::GetAtt'][0], [id, r]]));
    for (const name of ['Infrastructure', 'Customers', 'Customers-1', 'Quarantine']) {
      const entry = byTarget.get(ouLogicalId(name)) as [string, Resource];
      expect(entry, name).toBeDefined();
      expect(entry[1].Properties.BaselineIdentifier).toBe('arn:aws:controltower:us-east-1::baseline/17BSJV3IGJ2QSGA2');
      expect(entry[1].Properties.BaselineVersion).toBe('4.0');
    }
    const customers = (byTarget.get(ouLogicalId('Customers')) as [string, Resource])[0];
    const shard = byTarget.get(ouLogicalId('Customers-1')) as [string, Resource];
    expect(shard[1].DependsOn).toContain(customers);
  });

  it('enables every control of controls.json on every OU of its role, each identifier resolved at deploy by alias', () => {
    const catalog = loadControlCatalog();
    const enabled = ofType('AWS::ControlTower::EnabledControl');
    const lookups = new Map(ofType('Custom::PanOpsControlIdentifiers'));
    // The example organization has one OU per role (one Customers shard).
    expect(enabled).toHaveLength(catalog.controls.reduce((n, c) => n + c.ous.length, 0));
    for (const [, control] of enabled) {
      const alias = (control.Properties.Tags as { Key: string; Value: string }[])[0]?.Value as string;
      const [lookupId, attribute] = control.Properties.ControlIdentifier['Fn::GetAtt'];
      expect(attribute).toBe(alias);
      expect(lookups.get(lookupId)?.Properties.Aliases).toContain(alias);
    }
    // Each control is looked up once, in answers small enough for CloudFormation's 4 KB.
    const aliases = [...lookups.values()].flatMap((r) => r.Properties.Aliases as string[]);
    expect(aliases.sort()).toEqual(catalog.controls.map((c) => c.id).sort());
    for (const lookup of lookups.values()) expect(lookup.Properties.Aliases.length).toBeLessThanOrEqual(20);
  });

  it('records every resolved identifier as a stack output', () => {
    const outputs = (template as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    for (const control of loadControlCatalog().controls)
      expect(outputs[`ControlIdentifier${control.id.replaceAll('.', '')}`]?.Value, control.id).toMatchObject({
        'Fn::GetAtt': [expect.any(String), control.id],
      });
  });
});

describe('customer accounts', () => {
  it('creates the account of a customer known only by email in the Quarantine OU, with its cost-allocation tags', () => {
    const accounts = ofType('AWS::Organizations::Account');
    expect(accounts).toHaveLength(1);
    const [, account] = accounts[0] as [string, Resource];
    expect(account.Properties.Email).toBe('aws+customer-2@panops.example');
    expect(account.Properties.ParentIds).toEqual([{ 'Fn::GetAtt': [ouLogicalId('Quarantine'), 'Id'] }]);
    expect(account.Properties.RoleName).toBe('AWSControlTowerExecution');
    expect(account.Properties.Tags).toEqual(
      expect.arrayContaining([
        { Key: TAG_KEYS.customerId, Value: '00000000-0000-4000-8000-000000000002' },
        { Key: TAG_KEYS.customerSlug, Value: 'customer-2' },
      ]),
    );
    expect(account.DeletionPolicy).toBe('Retain');
  });

  it('bootstraps every account in Infrastructure, the Customers shards and Quarantine with a service-managed StackSet that deploys automatically', () => {
    const [[id, stackSet]] = ofType('AWS::CloudFormation::StackSet') as [[string, Resource]];
    expect(stackSet.Properties.PermissionModel).toBe('SERVICE_MANAGED');
    expect(stackSet.Properties.AutoDeployment).toEqual({ Enabled: true, RetainStacksOnAccountRemoval: true });
    const [group] = stackSet.Properties.StackInstancesGroup;
    expect(group.Regions).toEqual(['us-east-1', 'eu-west-1']);
    expect(group.DeploymentTargets.OrganizationalUnitIds).toEqual([
      { 'Fn::GetAtt': [ouLogicalId('Infrastructure'), 'Id'] },
      { 'Fn::GetAtt': [ouLogicalId('Customers-1'), 'Id'] },
      { 'Fn::GetAtt': [ouLogicalId('Quarantine'), 'Id'] },
    ]);
    const parameters = Object.fromEntries(
      stackSet.Properties.Parameters.map((p: { ParameterKey: string; ParameterValue: string }) => [
        p.ParameterKey,
        p.ParameterValue,
      ]),
    );
    expect(parameters.TrustedAccounts).toBe(blueprint.organization.managementAccountId);
    expect(parameters.Qualifier).toBe('hnb659fds');
    expect(stackSet.Properties.TemplateBody).toContain('CloudFormationExecutionRole');
    expect(stackSet.DependsOn?.length).toBeGreaterThan(0);
    expect(id).toBeTruthy();
  });

  it('splits the bill per customer: the linked account of a dedicated customer, the customer tag of a pooled one', () => {
    const [[, category]] = ofType('AWS::CE::CostCategory') as [[string, Resource]];
    expect(category.Properties.DefaultValue).toBe('panops-shared');
    const rules = JSON.stringify(category.Properties.Rules);
    expect(rules).toContain('customer-1');
    expect(rules).toContain('200000000001');
    // The account still being created is referenced by its id attribute.
    expect(rules).toContain('AccountId');
    expect(rules).toContain(TAG_KEYS.customerSlug);
    expect(rules).toContain('pooled-3');
  });
});
