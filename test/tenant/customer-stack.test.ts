import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AWS_LIMITS,
  type Blueprint,
  CUSTOMER_DATABASE,
  type DedicatedCustomer,
  dedicatedCustomers,
  loadBlueprint,
  ROLE_NAMES,
  TAG_KEYS,
} from '../../src/config/index.js';
import { CustomerStack } from '../../src/tenant/customer-stack.js';
import {
  expectBackups,
  expectCustomerKeyEverywhere,
  expectNetworkIsolated,
  expectNoPublicAccess,
  expectTamperEvidentTrail,
  keyLogicalId,
  mutated,
  ofType,
  type Resources,
  resourcesOf,
} from './requirements.js';

/** One synth for the whole file: the example organization's broker-dealer (object lock in compliance mode). */
let blueprint: Blueprint;
let customer: DedicatedCustomer;
let template: Template;
let missingContext: unknown;

type Props = Record<string, unknown>;
const props = (type: string, where: (p: Props) => boolean = () => true): Props[] =>
  ofType(template, type)
    .map(([, r]) => r.Properties ?? {})
    .filter(where);
const one = (type: string, where?: (p: Props) => boolean): Props => {
  const found = props(type, where);
  expect(found, type).toHaveLength(1);
  return found[0] as Props;
};
const statementsOf = (document: unknown) => (document as { Statement: Props[] }).Statement;
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

beforeAll(() => {
  blueprint = loadBlueprint('blueprint');
  const found = dedicatedCustomers(blueprint).find((c) => c.slug === 'acme-capital');
  if (!found) throw new Error('the example blueprint lost acme-capital');
  customer = found;
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new CustomerStack(app, 'PanOps-Customer-acme-capital', {
    env: { account: customer.accountId, region: blueprint.organization.homeRegion },
    blueprint,
    customer,
    migrations: { sources: [{ name: '0000_test.sql', text: 'SELECT 1;' }], fingerprint: 'test-fingerprint' },
  });
  template = Template.fromStack(stack);
  missingContext = app.synth().manifest.missing;
});

describe('the customer account stack', () => {
  it('synthesizes with no context lookups (no AWS credentials needed)', () => {
    expect(missingContext).toBeUndefined();
  });

  it('stays far below the CloudFormation resource limit', () => {
    const count = Object.keys(resourcesOf(template)).length;
    expect(count).toBeGreaterThan(30);
    expect(count).toBeLessThan(AWS_LIMITS.resourcesPerStack / 4);
  });

  it('tags every taggable resource with customer id, environment and data classification', () => {
    const taggable = Object.entries(resourcesOf(template)).filter(([, r]) => Array.isArray(r.Properties?.Tags));
    expect(taggable.length).toBeGreaterThan(20);
    for (const [id, resource] of taggable) {
      const tags = Object.fromEntries(
        ((resource.Properties?.Tags ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
      );
      expect(tags[TAG_KEYS.customerId], id).toBe(customer.id);
      expect(tags[TAG_KEYS.environment], id).toBe('prod');
      expect(tags[TAG_KEYS.dataClassification], id).toBe('restricted');
    }
  });
});

describe('network', () => {
  it('has no internet gateway, NAT, public IP or route except to shared compute over the peering', () => {
    expectNetworkIsolated(template, blueprint.sharedCompute.vpcCidr);
  });

  it('puts isolated subnets in the account’s first two availability zones (Fn::GetAZs, never letters)', () => {
    const zones = props('AWS::EC2::Subnet').map((s) => JSON.stringify(s.AvailabilityZone));
    expect(new Set(zones)).toEqual(
      new Set([0, 1].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))),
    );
    expect(one('AWS::EC2::VPC').CidrBlock).toBe(customer.vpcCidr);
  });

  it('requests a cross-account peering with the shared compute VPC through its accepter role', () => {
    const { accountId, vpcId } = blueprint.sharedCompute;
    expect(one('AWS::EC2::VPCPeeringConnection')).toMatchObject({
      PeerOwnerId: accountId,
      PeerVpcId: vpcId,
      PeerRegion: 'us-east-1',
      PeerRoleArn: `arn:aws:iam::${accountId}:role/${ROLE_NAMES.peeringAccepter}`,
    });
    expect(props('AWS::EC2::Route')).toHaveLength(2);
  });

  it('reaches S3 through a gateway endpoint and KMS and Secrets Manager through private interface endpoints', () => {
    const endpoints = props('AWS::EC2::VPCEndpoint');
    const service = (e: Props) => JSON.stringify(e.ServiceName);
    expect(endpoints.filter((e) => e.VpcEndpointType === 'Gateway' && service(e).includes('.s3'))).toHaveLength(1);
    for (const name of ['kms', 'secretsmanager']) {
      const endpoint = endpoints.find((e) => e.VpcEndpointType === 'Interface' && service(e).includes(`.${name}`));
      expect(endpoint, name).toBeDefined();
      expect(endpoint?.PrivateDnsEnabled, name).toBe(true);
    }
  });

  it('admits only the shared compute CIDR (and its own VPC to the endpoints) on the ports in use', () => {
    const allowedCidrs = new Set([blueprint.sharedCompute.vpcCidr, customer.vpcCidr]);
    const inline = props('AWS::EC2::SecurityGroup').flatMap(
      (sg) => (sg.SecurityGroupIngress as Props[] | undefined) ?? [],
    );
    const separate = props('AWS::EC2::SecurityGroupIngress');
    for (const rule of [...inline, ...separate]) {
      if (rule.CidrIp !== undefined) expect(allowedCidrs.has(rule.CidrIp as string), JSON.stringify(rule)).toBe(true);
      else expect(rule.SourceSecurityGroupId, JSON.stringify(rule)).toBeDefined();
      expect([443, CUSTOMER_DATABASE.port]).toContain(rule.FromPort);
      expect(rule.ToPort).toBe(rule.FromPort);
    }
    const database = props('AWS::EC2::SecurityGroup').find((sg) => String(sg.GroupDescription).startsWith('Aurora'));
    expect(database?.SecurityGroupIngress).toEqual([
      expect.objectContaining({ CidrIp: blueprint.sharedCompute.vpcCidr, FromPort: 5432, ToPort: 5432 }),
    ]);
  });

  it('records all traffic in flow logs', () => {
    expect(one('AWS::EC2::FlowLog')).toMatchObject({
      TrafficType: 'ALL',
      LogDestinationType: 's3',
      ResourceType: 'VPC',
    });
  });
});

describe('customer key', () => {
  it('is a symmetric customer-managed key with rotation on', () => {
    expect(one('AWS::KMS::Key')).toMatchObject({
      EnableKeyRotation: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Enabled: true,
    });
  });

  it('encrypts every bucket, the database, its secret, the log groups and the trail', () => {
    expectCustomerKeyEverywhere(template);
  });

  it('lets the account administer the key but gives no principal every operation', () => {
    const statements = statementsOf(one('AWS::KMS::Key').KeyPolicy);
    const admin = statements.find((s) => s.Sid === 'KeyAdministration');
    expect(asArray(admin?.Action)).toContain('kms:ScheduleKeyDeletion');
    expect(asArray(admin?.Action)).not.toContain('kms:Decrypt');
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      for (const action of asArray(statement.Action)) expect(String(action), String(statement.Sid)).not.toContain('*');
    }
  });

  it('grants PanOps roles only the operations they use, through the services they use', () => {
    const statements = statementsOf(one('AWS::KMS::Key').KeyPolicy);
    const dataAccess = statements.find((s) => s.Sid === 'PanOpsDataAccessThroughS3');
    expect(asArray(dataAccess?.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(dataAccess?.Condition).toEqual({ StringEquals: { 'kms:ViaService': ['s3.us-east-1.amazonaws.com'] } });
    const hook = statements.find((s) => s.Sid === 'MigrationHookReadsMasterSecret');
    expect(hook?.Action).toBe('kms:Decrypt');
  });

  it('lets AWS services use the key only for this account (every service statement is conditioned)', () => {
    const statements = statementsOf(one('AWS::KMS::Key').KeyPolicy);
    const services = statements.filter((s) => s.Effect === 'Allow' && (s.Principal as Props).Service !== undefined);
    expect(services.length).toBeGreaterThanOrEqual(4);
    for (const statement of services) expect(statement.Condition, String(statement.Sid)).toBeDefined();
  });

  it('denies grants that are not for AWS resources', () => {
    const statements = statementsOf(one('AWS::KMS::Key').KeyPolicy);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'kms:CreateGrant',
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
  });
});

describe('archive bucket', () => {
  const archive = () => {
    const [id] = ofType(template, 'AWS::S3::Bucket').find(([id]) => id.startsWith('ArchiveStorage')) ?? [];
    if (!id) throw new Error('no archive bucket');
    return { id, props: resourcesOf(template)[id]?.Properties as Props };
  };

  it('is versioned, kept on stack deletion, and never public', () => {
    expect(archive().props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect((resourcesOf(template)[archive().id] as unknown as { DeletionPolicy: string }).DeletionPolicy).toBe(
      'Retain',
    );
    expectNoPublicAccess(template);
  });

  it('sends server access logs to the log bucket', () => {
    expect(archive().props.LoggingConfiguration).toMatchObject({
      LogFilePrefix: 'archive/',
      DestinationBucketName: { Ref: expect.stringMatching(/^LogBucket/) },
    });
  });

  it('expires only objects the disposition job tagged disposable, so held objects survive the lifecycle', () => {
    const rules = (archive().props.LifecycleConfiguration as { Rules: Props[] }).Rules;
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined || r.NoncurrentVersionExpiration);
    expect(expiring).toEqual([
      expect.objectContaining({
        Status: 'Enabled',
        TagFilters: [{ Key: 'panops:disposition', Value: 'disposable' }],
        ExpirationInDays: 1,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      }),
    ]);
  });

  it('is write-once in the mode the customer file asks for, for the retention period', () => {
    expect(archive().props.ObjectLockEnabled).toBe(true);
    expect(archive().props.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: customer.retentionDays } },
    });
  });

  it('allows only TLS 1.2 or later', () => {
    const policies = props('AWS::S3::BucketPolicy', (p) => (p.Bucket as { Ref: string }).Ref === archive().id);
    expect(statementsOf(policies[0]?.PolicyDocument)).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
    );
  });
});

describe('Aurora Serverless v2', () => {
  it('runs PostgreSQL 15 with the ACU range of the customer file', () => {
    expect(one('AWS::RDS::DBCluster')).toMatchObject({
      Engine: 'aurora-postgresql',
      EngineVersion: expect.stringMatching(/^15\./),
      ServerlessV2ScalingConfiguration: { MinCapacity: customer.database.min, MaxCapacity: customer.database.max },
    });
  });

  it('has a writer and a reader in a second availability zone', () => {
    const instances = props('AWS::RDS::DBInstance');
    expect(instances).toHaveLength(2);
    for (const instance of instances)
      expect(instance).toMatchObject({ DBInstanceClass: 'db.serverless', PubliclyAccessible: false });
    expect(new Set(instances.map((i) => JSON.stringify(i.AvailabilityZone)))).toEqual(
      new Set([0, 1].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] }))),
    );
    expect(instances.filter((i) => i.PromotionTier === 0)).toHaveLength(1);
  });

  it('keeps 7 days of automated backups, with deletion protection', () => {
    expectBackups(template);
  });

  it('authenticates with IAM, keeps the master password in an RDS-managed secret, and does not open the Data API', () => {
    expect(one('AWS::RDS::DBCluster')).toMatchObject({
      EnableIAMDatabaseAuthentication: true,
      ManageMasterUserPassword: true,
      MasterUsername: CUSTOMER_DATABASE.adminUser,
      EnableHttpEndpoint: false,
      Port: CUSTOMER_DATABASE.port,
      DatabaseName: CUSTOMER_DATABASE.name,
    });
    expect(one('AWS::RDS::DBCluster').MasterUserPassword).toBeUndefined();
  });

  it('allows pgvector and pg_trgm, requires TLS and exports its log', () => {
    const parameters = one('AWS::RDS::DBClusterParameterGroup').Parameters as Props;
    expect(String(parameters['rds.allowed_extensions']).split(',')).toEqual(
      expect.arrayContaining(['vector', 'pg_trgm']),
    );
    expect(parameters['rds.force_ssl']).toBe('1');
    expect(one('AWS::RDS::DBCluster').EnableCloudwatchLogsExports).toEqual(['postgresql']);
    expect(
      props('AWS::Logs::LogGroup', (g) => g.LogGroupName === '/aws/rds/cluster/panops-acme-capital/postgresql'),
    ).toHaveLength(1);
  });
});

describe('migration hook', () => {
  it('runs the migrations at deploy through a custom resource that changes with the schema', () => {
    const [id, hook] = ofType(template, 'Custom::PanOpsMigrations')[0] ?? [];
    expect(hook?.Properties).toMatchObject({
      Migrations: [{ Name: '0000_test.sql', Text: 'SELECT 1;' }],
      SchemaFingerprint: 'test-fingerprint',
      Port: '5432',
      Database: 'panops',
      AppRole: CUSTOMER_DATABASE.iamAppUser,
    });
    const writer = ofType(template, 'AWS::RDS::DBInstance').find(([iid]) => iid.includes('Writer'))?.[0];
    expect(resourcesOf(template)[id as string]?.DependsOn).toEqual(expect.arrayContaining([writer]));
  });

  it('binds the dedicated database to this customer at deploy (sql/0010), with the blueprint’s id', () => {
    const [, hook] = ofType(template, 'Custom::PanOpsMigrations')[0] ?? [];
    expect(hook?.Properties?.CustomerId).toBe(customer.id);
  });

  it('is a Lambda in the isolated VPC that never runs twice at once', () => {
    const fn = one('AWS::Lambda::Function', (f) => String(f.Description).startsWith('PanOps migration hook'));
    expect(fn).toMatchObject({ ReservedConcurrentExecutions: 1, Runtime: 'nodejs22.x' });
    expect((fn.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(2);
    expect(one('AWS::IAM::Role', (r) => r.RoleName === ROLE_NAMES.migrationRunner)).toBeDefined();
  });
});

describe('CloudTrail', () => {
  it('is multi-region, validated, encrypted, and delivered to a locked bucket and CloudWatch Logs', () => {
    expectTamperEvidentTrail(template);
  });

  it('records reads and writes of archive objects', () => {
    const [selector] = one('AWS::CloudTrail::Trail').EventSelectors as Props[];
    expect(selector).toMatchObject({ IncludeManagementEvents: true, ReadWriteType: 'All' });
    expect(((selector?.DataResources ?? []) as Props[])[0]?.Type).toBe('AWS::S3::Object');
  });
});

describe('cross-account data access', () => {
  const role = () => one('AWS::IAM::Role', (r) => r.RoleName === ROLE_NAMES.customerDataAccess);

  it('trusts only the connector and transcription workers (not the webhook handler, not inference), from that account and organization', () => {
    const { accountId } = blueprint.sharedCompute;
    const [statement] = statementsOf(role().AssumeRolePolicyDocument);
    expect(statement?.Principal).toEqual({
      AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${accountId}:root`]] },
    });
    expect(statement?.Condition).toEqual({
      ArnEquals: {
        'aws:PrincipalArn': [ROLE_NAMES.connectorWorker, ROLE_NAMES.transcriptionWorker].map(
          (name) => `arn:aws:iam::${accountId}:role/${name}`,
        ),
      },
      StringEquals: { 'aws:PrincipalAccount': accountId, 'aws:PrincipalOrgID': blueprint.organization.organizationId },
    });
  });

  it('names every action it allows, deletes nothing and has no inline policy', () => {
    expect(role().Policies).toBeUndefined();
    expect(props('AWS::IAM::Policy')).toHaveLength(0);
    const [policy] = props('AWS::IAM::ManagedPolicy', (p) => String(p.Description).startsWith('Customer data access'));
    const actions = statementsOf(policy?.PolicyDocument).flatMap((s) => asArray(s.Action)) as string[];
    expect(actions.sort()).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'rds-db:connect',
        's3:AbortMultipartUpload',
        's3:GetBucketObjectLockConfiguration',
        's3:GetObject',
        's3:GetObjectTagging',
        's3:GetObjectVersion',
        's3:ListBucket',
        's3:PutObject',
        's3:PutObjectLegalHold',
        's3:PutObjectTagging',
      ].sort(),
    );
  });

  it('logs in to the database only as the application role', () => {
    const [policy] = props('AWS::IAM::ManagedPolicy', (p) => String(p.Description).startsWith('Customer data access'));
    const connect = statementsOf(policy?.PolicyDocument).find((s) => s.Action === 'rds-db:connect');
    expect(JSON.stringify(connect?.Resource)).toMatch(new RegExp(`dbuser:".*"/${CUSTOMER_DATABASE.iamAppUser}"`));
  });
});

describe('the requirement checks bite', () => {
  const mutatedTemplate = (change: (r: Resources) => void) => Template.fromJSON(mutated(template, change));
  const first = (r: Resources, type: string) => Object.values(r).find((x) => x.Type === type) as { Properties: Props };

  it('network isolation fails on an internet gateway or a default route', () => {
    const cidr = blueprint.sharedCompute.vpcCidr;
    expect(() =>
      expectNetworkIsolated(
        mutatedTemplate((r) => {
          r.Igw = { Type: 'AWS::EC2::InternetGateway', Properties: {} };
        }),
        cidr,
      ),
    ).toThrow();
    expect(() =>
      expectNetworkIsolated(
        mutatedTemplate((r) => {
          first(r, 'AWS::EC2::Route').Properties.DestinationCidrBlock = '0.0.0.0/0';
        }),
        cidr,
      ),
    ).toThrow();
  });

  it('the encryption check fails when a bucket or the cluster uses another key', () => {
    expect(() =>
      expectCustomerKeyEverywhere(
        mutatedTemplate((r) => {
          const bucket = first(r, 'AWS::S3::Bucket').Properties as {
            BucketEncryption: { ServerSideEncryptionConfiguration: { ServerSideEncryptionByDefault: Props }[] };
          };
          (
            bucket.BucketEncryption.ServerSideEncryptionConfiguration[0] as { ServerSideEncryptionByDefault: Props }
          ).ServerSideEncryptionByDefault.KMSMasterKeyID = 'alias/aws/s3';
        }),
      ),
    ).toThrow(/customer key/);
    expect(() =>
      expectCustomerKeyEverywhere(
        mutatedTemplate((r) => {
          delete first(r, 'AWS::RDS::DBCluster').Properties.KmsKeyId;
        }),
      ),
    ).toThrow();
    expect(keyLogicalId(template)).toMatch(/^CustomerKey/);
  });

  it('the public access check fails when one block is turned off', () => {
    expect(() =>
      expectNoPublicAccess(
        mutatedTemplate((r) => {
          (first(r, 'AWS::S3::Bucket').Properties.PublicAccessBlockConfiguration as Props).RestrictPublicBuckets =
            false;
        }),
      ),
    ).toThrow();
  });

  it('the backup check fails on a shorter retention or without deletion protection', () => {
    expect(() =>
      expectBackups(
        mutatedTemplate((r) => {
          first(r, 'AWS::RDS::DBCluster').Properties.BackupRetentionPeriod = 1;
        }),
      ),
    ).toThrow();
    expect(() =>
      expectBackups(
        mutatedTemplate((r) => {
          first(r, 'AWS::RDS::DBCluster').Properties.DeletionProtection = false;
        }),
      ),
    ).toThrow();
  });

  it('the trail check fails without log file validation', () => {
    expect(() =>
      expectTamperEvidentTrail(
        mutatedTemplate((r) => {
          first(r, 'AWS::CloudTrail::Trail').Properties.EnableLogFileValidation = false;
        }),
      ),
    ).toThrow();
  });
});
