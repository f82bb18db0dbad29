import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import { NagRuleCompliance } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { TAG_KEYS } from '../../src/contracts/names.js';
import { AuroraBackupRetentionSevenDays } from '../../src/guardrails/nag/rules/AuroraBackupRetentionSevenDays.js';
import { CustomerAccountNoInternetGateway } from '../../src/guardrails/nag/rules/CustomerAccountNoInternetGateway.js';
import { CustomerDataUsesCustomerKey } from '../../src/guardrails/nag/rules/CustomerDataUsesCustomerKey.js';

const { COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE } = NagRuleCompliance;

/** A stack tagged as a customer account (the tag buildOrganization applies), and a platform one. */
const stacks = () => {
  const app = new App();
  const customer = new Stack(app, 'Customer');
  Tags.of(customer).add(TAG_KEYS.customerId, '00000000-0000-4000-8000-000000000001');
  const platform = new Stack(app, 'Platform');
  // Tags are applied by an aspect at synth; the rules run after it.
  app.synth();
  return { customer, platform };
};

describe('PanOps-CustomerAccountNoInternetGateway', () => {
  it('fails an internet gateway, an egress-only gateway or a gateway attachment in a customer account', () => {
    const { customer } = stacks();
    const igw = new ec2.CfnInternetGateway(customer, 'Igw');
    const eigw = new ec2.CfnEgressOnlyInternetGateway(customer, 'Eigw', { vpcId: 'vpc-1' });
    const attach = new ec2.CfnVPCGatewayAttachment(customer, 'Attach', { vpcId: 'vpc-1', internetGatewayId: igw.ref });
    for (const node of [igw, eigw, attach]) expect(CustomerAccountNoInternetGateway.check(node)).toBe(NON_COMPLIANT);
  });

  it('passes over a VPN gateway attachment and over any gateway outside customer accounts', () => {
    const { customer, platform } = stacks();
    const vpn = new ec2.CfnVPCGatewayAttachment(customer, 'Vpn', { vpcId: 'vpc-1', vpnGatewayId: 'vgw-1' });
    expect(CustomerAccountNoInternetGateway.check(vpn)).toBe(NOT_APPLICABLE);
    expect(CustomerAccountNoInternetGateway.check(new ec2.CfnInternetGateway(platform, 'Igw'))).toBe(NOT_APPLICABLE);
  });
});

describe('PanOps-AuroraBackupRetentionSevenDays', () => {
  const cluster = (retention?: number) =>
    new rds.CfnDBCluster(new Stack(new App(), 'S'), 'Db', {
      engine: 'aurora-postgresql',
      ...(retention === undefined ? {} : { backupRetentionPeriod: retention }),
    });

  it('passes 7 days or more', () => {
    expect(AuroraBackupRetentionSevenDays.check(cluster(7))).toBe(COMPLIANT);
    expect(AuroraBackupRetentionSevenDays.check(cluster(35))).toBe(COMPLIANT);
  });

  it('fails fewer than 7 days, and the engine default (not set)', () => {
    expect(AuroraBackupRetentionSevenDays.check(cluster(1))).toBe(NON_COMPLIANT);
    expect(AuroraBackupRetentionSevenDays.check(cluster(6))).toBe(NON_COMPLIANT);
    expect(AuroraBackupRetentionSevenDays.check(cluster())).toBe(NON_COMPLIANT);
  });

  it('reads what the DatabaseCluster L2 writes', () => {
    const stack = new Stack(new App(), 'S');
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      natGateways: 0,
      subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const db = new rds.DatabaseCluster(stack, 'Db', {
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_15_8 }),
      writer: rds.ClusterInstance.serverlessV2('w'),
      vpc,
      backup: { retention: Duration.days(7) },
    });
    expect(AuroraBackupRetentionSevenDays.check(db.node.defaultChild as rds.CfnDBCluster)).toBe(COMPLIANT);
  });
});

describe('PanOps-CustomerDataUsesCustomerKey', () => {
  it("passes a bucket, cluster, log group and secret encrypted with the customer account's own key", () => {
    const { customer } = stacks();
    const key = new kms.Key(customer, 'Key');
    const nodes = [
      new s3.Bucket(customer, 'Bucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: key }).node.defaultChild,
      new logs.LogGroup(customer, 'Logs', { encryptionKey: key }).node.defaultChild,
      new secrets.Secret(customer, 'Secret', { encryptionKey: key }).node.defaultChild,
      new rds.CfnDBCluster(customer, 'Db', {
        engine: 'aurora-postgresql',
        storageEncrypted: true,
        kmsKeyId: key.keyArn,
      }),
    ];
    for (const node of nodes) expect(CustomerDataUsesCustomerKey.check(node as rds.CfnDBCluster)).toBe(COMPLIANT);
  });

  it('fails the AWS managed key, S3-managed encryption, a literal key ARN, and no key at all', () => {
    const { customer } = stacks();
    const nodes = [
      new s3.Bucket(customer, 'AwsManaged', { encryption: s3.BucketEncryption.KMS_MANAGED }).node.defaultChild,
      new s3.Bucket(customer, 'S3Managed', { encryption: s3.BucketEncryption.S3_MANAGED }).node.defaultChild,
      new logs.LogGroup(customer, 'Unencrypted').node.defaultChild,
      new secrets.Secret(customer, 'DefaultKey').node.defaultChild,
      new rds.CfnDBCluster(customer, 'Db', {
        engine: 'aurora-postgresql',
        storageEncrypted: true,
        kmsKeyId: 'arn:aws:kms:us-east-1:999999999999:key/shared',
      }),
    ];
    for (const node of nodes) expect(CustomerDataUsesCustomerKey.check(node as rds.CfnDBCluster)).toBe(NON_COMPLIANT);
  });

  it('does not apply outside customer accounts', () => {
    const { platform } = stacks();
    const bucket = new s3.Bucket(platform, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED });
    expect(CustomerDataUsesCustomerKey.check(bucket.node.defaultChild as s3.CfnBucket)).toBe(NOT_APPLICABLE);
  });
});
