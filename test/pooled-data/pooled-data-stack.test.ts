import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOrganization } from '../../src/app.js';
import {
  AWS_LIMITS,
  type Blueprint,
  CUSTOMER_DATABASE,
  loadBlueprint,
  pooledCustomers,
  validateBlueprint,
} from '../../src/config/index.js';
import { migrationBundle } from '../../src/data-plane/migration-sources.js';
import { PooledDataStack } from '../../src/pooled-data/pooled-data-stack.js';
import { resourcesOfType } from '../support/template.js';
import {
  expectBackups,
  expectNoPublicAccess,
  expectTamperEvidentTrail,
  mutated,
  type Resources,
} from '../tenant/requirements.js';
import { expectAttributeScopedAccess, expectPerCustomerArchive, expectPooledKeyEverywhere } from './requirements.js';

/** One synth for the file: the example organization (2 dedicated customers, 1 pooled), built as `src/main.ts` builds it. */
let blueprint: Blueprint;
let template: Template;
let resources: Resources;
let sharedComputeTemplate: Template;

type Props = Record<string, unknown>;
const ofType = (type: string) => resourcesOfType(resources, type);
const one = (type: string): Props => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return (found[0]?.[1].Properties ?? {}) as Props;
};
const workloadRoleArns = (account: string) =>
  // Not the webhook handler (its own write-only role) nor the inference service (#18 item 5).
  ['panops-connector-worker', 'panops-transcription-worker'].map((name) => `arn:aws:iam::${account}:role/${name}`);

beforeAll(() => {
  blueprint = loadBlueprint('blueprint');
  const app = new App({ builtinCloudFormationValidation: false });
  const stacks = buildOrganization(app, blueprint);
  if (!stacks.pooledData) throw new Error('the example organization declares pooledData but got no pooled stack');
  template = Template.fromStack(stacks.pooledData);
  sharedComputeTemplate = Template.fromStack(stacks.sharedCompute);
  resources = template.toJSON().Resources as Resources;
});

describe('the pooled data stack of the example organization', () => {
  it('lives in the shared compute account and region, with termination protection', () => {
    expect(blueprint.pooledData?.accountId).toBeUndefined();
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = buildOrganization(app, blueprint).pooledData as PooledDataStack;
    expect(stack.account).toBe(blueprint.sharedCompute.accountId);
    expect(stack.region).toBe(blueprint.organization.homeRegion);
    expect(stack.terminationProtection).toBe(true);
  });

  it('runs one Aurora Serverless v2 PostgreSQL 15 cluster of 0.5–16 ACU with a writer and a reader in a second zone', () => {
    const cluster = one('AWS::RDS::DBCluster');
    expect(cluster).toMatchObject({
      Engine: 'aurora-postgresql',
      DBClusterIdentifier: 'panops-pooled',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      EnableIAMDatabaseAuthentication: true,
      DatabaseName: CUSTOMER_DATABASE.name,
      Port: CUSTOMER_DATABASE.port,
    });
    expect(String(cluster.EngineVersion)).toMatch(/^15\./);
    expect(blueprint.pooledData?.database).toEqual(AWS_LIMITS.pooledAcu);
    const instances = ofType('AWS::RDS::DBInstance').map(([, i]) => i.Properties ?? {});
    expect(instances.map((i) => i.DBInstanceClass)).toEqual(['db.serverless', 'db.serverless']);
    expect(new Set(instances.map((i) => i.AvailabilityZone)).size).toBe(2);
    expect(instances.every((i) => i.PubliclyAccessible === false)).toBe(true);
  });

  it('keeps 7 days of backups, is deletion protected and snapshotted on removal', () => {
    expectBackups(template);
  });

  it('allows pgvector and pg_trgm, requires TLS, and applies the same sql/ migrations as every dedicated database', () => {
    const parameters = one('AWS::RDS::DBClusterParameterGroup').Parameters as Props;
    expect(parameters['rds.allowed_extensions']).toBe('vector,pg_trgm');
    expect(parameters['rds.force_ssl']).toBe('1');
    const hook = one('Custom::PanOpsMigrations');
    expect(hook.SchemaFingerprint).toBe(migrationBundle().fingerprint);
    expect((hook.Migrations as { Name: string }[]).map((m) => m.Name)).toEqual(
      migrationBundle().sources.map((s) => s.name),
    );
    expect(hook.AppRole).toBe(CUSTOMER_DATABASE.iamAppUser);
    // The pooled cluster serves many customers: never bound to one.
    expect(hook).not.toHaveProperty('CustomerId');
  });

  it('encrypts every data store with its own PanOps-managed customer-managed key, never an AWS-managed one', () => {
    expectPooledKeyEverywhere(resources);
    const key = one('AWS::KMS::Key');
    expect(String(key.Description)).toMatch(/PanOps-managed key of the pooled tier/);
  });

  it('has private networking only: no internet gateway, NAT or public IP; routes go to and from shared compute over the peering', () => {
    for (const type of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EIP',
      'AWS::EC2::VPCGatewayAttachment',
    ])
      expect(ofType(type), type).toHaveLength(0);
    for (const [id, subnet] of ofType('AWS::EC2::Subnet'))
      expect(subnet.Properties?.MapPublicIpOnLaunch, id).toBe(false);
    const peering = one('AWS::EC2::VPCPeeringConnection');
    // Same account: referenced from the shared compute stack, accepted without a peering role.
    expect(JSON.stringify(peering.PeerVpcId)).toContain('Fn::ImportValue');
    expect(peering.PeerRoleArn).toBeUndefined();
    const routes = ofType('AWS::EC2::Route').map(([, r]) => r.Properties ?? {});
    expect(routes.length).toBe(4);
    const destinations = routes.map((r) => r.DestinationCidrBlock).sort();
    expect(destinations).toEqual(
      [
        blueprint.pooledData?.vpcCidr,
        blueprint.pooledData?.vpcCidr,
        blueprint.sharedCompute.vpcCidr,
        blueprint.sharedCompute.vpcCidr,
      ].sort(),
    );
    for (const route of routes) {
      expect(route.VpcPeeringConnectionId).toBeDefined();
      expect(route.GatewayId ?? route.NatGatewayId ?? route.TransitGatewayId).toBeUndefined();
    }
    // The routes back land in the shared compute stack's own private route tables.
    const sharedTables = Object.entries(sharedComputeTemplate.toJSON().Resources as Resources)
      .filter(([, r]) => r.Type === 'AWS::EC2::RouteTable')
      .map(([id]) => id);
    const back = routes.filter((r) => r.DestinationCidrBlock === blueprint.pooledData?.vpcCidr);
    for (const route of back) {
      const imported = JSON.stringify(route.RouteTableId);
      expect(
        sharedTables.some((id) => imported.includes(id)),
        imported,
      ).toBe(true);
    }
  });

  it('admits PostgreSQL from the shared compute CIDR and the migration hook only', () => {
    const ingress = [
      ...ofType('AWS::EC2::SecurityGroup').flatMap(([, g]) => (g.Properties?.SecurityGroupIngress ?? []) as Props[]),
      ...ofType('AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties ?? {}),
    ].filter((rule) => rule.FromPort === CUSTOMER_DATABASE.port);
    expect(ingress.length).toBe(2);
    expect(ingress.filter((r) => r.CidrIp !== undefined).map((r) => r.CidrIp)).toEqual([
      blueprint.sharedCompute.vpcCidr,
    ]);
    expect(ingress.filter((r) => r.SourceSecurityGroupId !== undefined)).toHaveLength(1);
  });

  it('keeps every pooled customer under its own archive prefix with its own retention, and no bucket is public', () => {
    const pooled = pooledCustomers(blueprint);
    expect(pooled.length).toBeGreaterThanOrEqual(1);
    expectPerCustomerArchive(resources, pooled);
    expectNoPublicAccess(template);
  });

  it('lets workloads reach one pooled customer per session, by session tag, never more', () => {
    expectAttributeScopedAccess(resources, workloadRoleArns(blueprint.sharedCompute.accountId));
    // Same account: the workloads get the permission to assume it, with the tag.
    const assume = ofType('AWS::IAM::ManagedPolicy')
      .map(([, p]) => p.Properties ?? {})
      .find((p) => JSON.stringify(p.PolicyDocument).includes('AssumePooledDataAccess'));
    expect(assume?.Roles).toEqual(['panops-connector-worker', 'panops-transcription-worker']);
    // The webhook handler may assume only its write-only raw event role.
    const webhook = ofType('AWS::IAM::ManagedPolicy')
      .map(([, p]) => p.Properties ?? {})
      .filter((p) => JSON.stringify(p.Roles).includes('panops-webhook-handler'));
    expect(webhook.map((p) => JSON.stringify(p.PolicyDocument))).toEqual([
      expect.stringMatching(/RawEventWriterRole\w+","Arn"\]},"Sid":"AssumeRawEventWriter"/),
    ]);
  });

  it('records every pooled archive object access in a tamper-evident trail', () => {
    expectTamperEvidentTrail(template);
    const trail = one('AWS::CloudTrail::Trail');
    expect(JSON.stringify(trail.EventSelectors)).toContain('AWS::S3::Object');
  });

  it('stays well under the CloudFormation resource limit', () => {
    expect(Object.keys(resources).length).toBeLessThan(AWS_LIMITS.resourcesPerStack / 5);
  });
});

describe('the pooled requirement checks bite', () => {
  const broken = (change: (r: Resources) => void) => (mutated(template, change) as { Resources: Resources }).Resources;

  it('a bucket key turned back on in the archive fails the per-customer archive check', () => {
    const r = broken((res) => {
      for (const b of Object.values(res).filter((x) => x.Type === 'AWS::S3::Bucket')) {
        const encryption = b.Properties?.BucketEncryption as { ServerSideEncryptionConfiguration: Props[] };
        const rule = encryption.ServerSideEncryptionConfiguration[0] as Props;
        rule.BucketKeyEnabled = true;
      }
    });
    expect(() => expectPerCustomerArchive(r, pooledCustomers(blueprint))).toThrow(/bucket keys/);
  });

  it('a trust policy that no longer requires the session tag fails the access check', () => {
    const r = broken((res) => {
      const role = Object.values(res).find((x) => x.Properties?.RoleName === 'panops-pooled-data-access');
      const trust = role?.Properties?.AssumeRolePolicyDocument as { Statement: { Condition: Props }[] };
      const statement = trust.Statement[0];
      if (statement) delete statement.Condition.StringLike;
    });
    expect(() => expectAttributeScopedAccess(r, workloadRoleArns(blueprint.sharedCompute.accountId))).toThrow();
  });

  it('a cluster encrypted with the AWS-managed key fails the key check', () => {
    const r = broken((res) => {
      const cluster = Object.values(res).find((x) => x.Type === 'AWS::RDS::DBCluster');
      if (cluster?.Properties) cluster.Properties.KmsKeyId = 'alias/aws/rds';
    });
    expect(() => expectPooledKeyEverywhere(r)).toThrow(/storage key/);
  });
});

describe('the pooled data stack in a separate pooled-data account', () => {
  it('requests a cross-account peering through the shared compute accepter role and grants no workload role itself', () => {
    const base = loadBlueprint('blueprint');
    const separate: Blueprint = {
      ...base,
      pooledData: { ...(base.pooledData as NonNullable<Blueprint['pooledData']>), accountId: '100000000020' },
    };
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new PooledDataStack(app, 'PooledData', {
      env: { account: '100000000020', region: base.organization.homeRegion },
      blueprint: separate,
      migrations: { sources: [{ name: '0000_test.sql', text: 'SELECT 1;' }], fingerprint: 'test' },
    });
    const json = Template.fromStack(stack).toJSON().Resources as Resources;
    const peering = Object.values(json).find((r) => r.Type === 'AWS::EC2::VPCPeeringConnection')?.Properties ?? {};
    expect(peering).toMatchObject({
      PeerOwnerId: base.sharedCompute.accountId,
      PeerVpcId: base.sharedCompute.vpcId,
      PeerRoleArn: `arn:aws:iam::${base.sharedCompute.accountId}:role/panops-vpc-peering-accepter`,
    });
    const attachedToWorkloads = Object.values(json).filter(
      (r) =>
        r.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(r.Properties?.Roles).includes('panops-connector-worker'),
    );
    expect(attachedToWorkloads).toEqual([]);
    expectAttributeScopedAccess(json, workloadRoleArns(base.sharedCompute.accountId));
  });

  it('an organization without pooledData gets no pooled stack', () => {
    const base = loadBlueprint('blueprint');
    const raw = validateBlueprint(
      {
        organization: {
          file: 'organization.yaml',
          data: {
            organization: base.organization,
            sharedCompute: { ...base.sharedCompute, vpcId: undefined },
          },
        },
        customers: [],
      },
      'blueprint',
    );
    const app = new App({ builtinCloudFormationValidation: false });
    const stacks = buildOrganization(app, raw);
    expect(stacks.pooledData).toBeUndefined();
    expect(app.node.tryFindChild('PanOps-PooledData')).toBeUndefined();
  });
});
