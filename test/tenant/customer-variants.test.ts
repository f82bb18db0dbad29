import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Blueprint, dedicatedCustomers, loadBlueprint, TAG_KEYS } from '../../src/config/index.js';
import { CustomerKey } from '../../src/data-plane/customer-key.js';
import { IsolatedVpc } from '../../src/data-plane/isolated-vpc.js';
import { LockedBucket } from '../../src/data-plane/locked-bucket.js';
import { TenantDatabase } from '../../src/data-plane/tenant-database.js';
import { CustomerStack } from '../../src/tenant/customer-stack.js';
import { dedicatedCustomer, organization, writeBlueprint } from '../config/fixtures.js';

/**
 * A customer unlike the example ones: no object lock, no account id yet (to be
 * vended), no environment or classification in its file, and an organization
 * whose shared compute VPC id is not known yet.
 */
let blueprint: Blueprint;
let stack: CustomerStack;
let template: Template;

beforeAll(() => {
  const org = organization();
  const { accountId: _unused, ...customerFile } = {
    ...dedicatedCustomer(1),
    accountEmail: 'aws+customer-1@panops.example',
  };
  blueprint = loadBlueprint(writeBlueprint(org, { 'customer-1.yaml': customerFile }));
  const [customer] = dedicatedCustomers(blueprint);
  if (!customer) throw new Error('fixture customer missing');
  const app = new App({ builtinCloudFormationValidation: false });
  stack = new CustomerStack(app, 'Customer1', {
    env: { region: blueprint.organization.homeRegion },
    blueprint,
    customer,
    migrations: { sources: [{ name: '0000_test.sql', text: 'SELECT 1;' }], fingerprint: 'test' },
  });
  template = Template.fromStack(stack);
});

describe('a customer without object lock, account id or shared compute VPC id', () => {
  it('gets no object lock on its archive, but its trail bucket is still locked (governance)', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    const archive = Object.entries(buckets).find(([id]) => id.startsWith('ArchiveStorage'))?.[1];
    const trail = Object.entries(buckets).find(([id]) => id.startsWith('TrailBucket'))?.[1];
    expect(archive?.Properties.ObjectLockEnabled).toBe(false);
    expect(archive?.Properties.ObjectLockConfiguration).toBeUndefined();
    expect(trail?.Properties.ObjectLockConfiguration.Rule.DefaultRetention).toEqual({ Mode: 'GOVERNANCE', Days: 2555 });
  });

  it('is synthesized account-agnostic, so an account still to be vended can be checked', () => {
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
    template.resourceCountIs('AWS::RDS::DBCluster', 1);
  });

  it('has no peering and no route until the shared compute VPC id is known, and says so', () => {
    template.resourceCountIs('AWS::EC2::VPCPeeringConnection', 0);
    template.resourceCountIs('AWS::EC2::Route', 0);
    Annotations.fromStack(stack).hasWarning('/Customer1', Match.stringLikeRegexp('shared compute VPC id is not known'));
  });

  it('trusts the workload roles without an organization condition when the organization id is unknown', () => {
    const role = Object.values(template.findResources('AWS::IAM::Role')).find(
      (r) => r.Properties.RoleName === 'panops-customer-data-access',
    );
    const condition = role?.Properties.AssumeRolePolicyDocument.Statement[0].Condition;
    expect(condition.StringEquals).toEqual({ 'aws:PrincipalAccount': blueprint.sharedCompute.accountId });
  });

  it('is tagged prod and confidential when its file names neither', () => {
    const vpc = Object.values(template.findResources('AWS::EC2::VPC'))[0];
    const tags = Object.fromEntries(vpc?.Properties.Tags.map((t: { Key: string; Value: string }) => [t.Key, t.Value]));
    expect(tags[TAG_KEYS.environment]).toBe('prod');
    expect(tags[TAG_KEYS.dataClassification]).toBe('confidential');
  });
});

describe('construct props are validated when the stack is built', () => {
  const scope = () => new Stack(new App(), 'S', { env: { account: '111111111111', region: 'us-east-1' } });

  it('refuses object lock longer than the retention (the lifecycle could never delete)', () => {
    const s = scope();
    expect(
      () =>
        new LockedBucket(s, 'B', {
          encryptionKey: new Key(s, 'K'),
          retentionDays: 30,
          serverAccessLogs: 'is-log-destination',
          objectLock: { mode: 'COMPLIANCE', days: 31 },
        }),
    ).toThrow(/objectLock.days \(31\) exceeds retentionDays \(30\)/);
  });

  it('refuses a VPC in a single availability zone', () => {
    const s = scope();
    const logs = new LockedBucket(s, 'Logs', {
      encryptionKey: new Key(s, 'K'),
      retentionDays: 30,
      serverAccessLogs: 'is-log-destination',
    });
    expect(
      () =>
        new IsolatedVpc(s, 'V', {
          cidr: '10.16.0.0/20',
          availabilityZones: ['us-east-1a'],
          peerCidrs: [],
          flowLogBucket: logs.bucket,
        }),
    ).toThrow(/at least two availability zones/);
  });

  it('refuses wildcard actions for a PanOps role in the key policy', () => {
    const key = new CustomerKey(scope(), 'K', { alias: 'panops/test' });
    expect(() =>
      key.allow({
        sid: 'Greedy',
        principal: new ServicePrincipal('example.amazonaws.com'),
        actions: ['kms:*'],
        viaServices: ['s3'],
      }),
    ).toThrow(/named one by one/);
  });
});

describe('the tenant database refuses what the seed rules out', () => {
  const database = (capacity: { min: number; max: number }, readerZone = 'us-east-1b') => {
    const s = new Stack(new App(), 'D', { env: { account: '111111111111', region: 'us-east-1' } });
    const vpc = new Vpc(s, 'V', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 0 });
    return () =>
      new TenantDatabase(s, 'Db', {
        vpc,
        subnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
        writerAvailabilityZone: 'us-east-1a',
        readerAvailabilityZone: readerZone,
        encryptionKey: new Key(s, 'K'),
        capacity,
        clusterIdentifier: 'panops-test',
        allowedCidrs: ['10.0.0.0/16'],
        databaseName: 'panops',
        adminUser: 'panops_admin',
        port: 5432,
      });
  };

  it('refuses more than 8 ACU per customer account', () => {
    expect(database({ min: 0.5, max: 16 })).toThrow(/capacity 0.5–16 ACU is outside 0.5–8 ACU/);
  });

  it('refuses a reader in the writer’s zone', () => {
    expect(database({ min: 0.5, max: 8 }, 'us-east-1a')).toThrow(/reader must be in a second zone/);
  });
});
