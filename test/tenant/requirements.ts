import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { type Resources, resourcesOf, resourcesOfType } from '../support/template.js';

/**
 * The seed's customer-account requirements as checks on a synthesized
 * template. The stack tests run them on the real stack, and the mutation
 * tests run them on a copy with one property broken, to show each one bites.
 */

export type { Resources };
export { resourcesOf };

export const ofType = (template: Template, type: string) => resourcesOfType(resourcesOf(template), type);

const onlyOne = (template: Template, type: string, where: (props: Record<string, unknown>) => boolean = () => true) => {
  const found = ofType(template, type).filter(([, r]) => where(r.Properties ?? {}));
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as [string, { Properties: Record<string, unknown> }];
};

export const keyLogicalId = (template: Template): string => onlyOne(template, 'AWS::KMS::Key')[0];

/** A reference to the customer key (`Ref` or `Fn::GetAtt` … `Arn`). */
const isKeyRef = (value: unknown, keyId: string): boolean => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref === keyId || v?.['Fn::GetAtt']?.[0] === keyId;
};

/** Network isolation: no internet gateway, NAT, public IPs or default route; routes go to the shared compute CIDR over the peering only. */
export const expectNetworkIsolated = (template: Template, sharedComputeCidr: string): void => {
  for (const type of [
    'AWS::EC2::InternetGateway',
    'AWS::EC2::VPCGatewayAttachment',
    'AWS::EC2::NatGateway',
    'AWS::EC2::EIP',
    'AWS::EC2::EgressOnlyInternetGateway',
  ]) {
    expect(ofType(template, type), type).toHaveLength(0);
  }
  for (const [id, subnet] of ofType(template, 'AWS::EC2::Subnet')) {
    expect(subnet.Properties?.MapPublicIpOnLaunch, `${id} maps public IPs`).toBe(false);
  }
  const routes = ofType(template, 'AWS::EC2::Route');
  expect(routes.length).toBeGreaterThan(0);
  for (const [id, route] of routes) {
    expect(route.Properties?.DestinationCidrBlock, `${id} destination`).toBe(sharedComputeCidr);
    expect(route.Properties?.VpcPeeringConnectionId, `${id} target`).toBeDefined();
    for (const target of [
      'GatewayId',
      'NatGatewayId',
      'EgressOnlyInternetGatewayId',
      'TransitGatewayId',
      'InstanceId',
    ]) {
      expect(route.Properties?.[target], `${id} ${target}`).toBeUndefined();
    }
  }
};

/** Every data store is encrypted with the customer key: buckets, the cluster, its secret, Performance Insights, log groups, the trail. */
export const expectCustomerKeyEverywhere = (template: Template): void => {
  const keyId = keyLogicalId(template);
  for (const [id, bucket] of ofType(template, 'AWS::S3::Bucket')) {
    type Rule = {
      BucketKeyEnabled: boolean;
      ServerSideEncryptionByDefault: { SSEAlgorithm: string; KMSMasterKeyID: unknown };
    };
    const encryption = (bucket.Properties?.BucketEncryption ?? { ServerSideEncryptionConfiguration: [] }) as {
      ServerSideEncryptionConfiguration: Rule[];
    };
    const rule = encryption.ServerSideEncryptionConfiguration[0];
    expect(rule, `${id} has default encryption`).toBeDefined();
    if (!rule) continue;
    expect(rule.ServerSideEncryptionByDefault.SSEAlgorithm, id).toBe('aws:kms');
    expect(isKeyRef(rule.ServerSideEncryptionByDefault.KMSMasterKeyID, keyId), `${id} uses the customer key`).toBe(
      true,
    );
    expect(rule.BucketKeyEnabled, `${id} bucket key`).toBe(true);
  }
  const [clusterId, cluster] = onlyOne(template, 'AWS::RDS::DBCluster');
  expect(cluster.Properties.StorageEncrypted, clusterId).toBe(true);
  expect(isKeyRef(cluster.Properties.KmsKeyId, keyId), `${clusterId} storage key`).toBe(true);
  expect(
    isKeyRef((cluster.Properties.MasterUserSecret as { KmsKeyId: unknown }).KmsKeyId, keyId),
    'master secret key',
  ).toBe(true);
  for (const [id, instance] of ofType(template, 'AWS::RDS::DBInstance')) {
    expect(isKeyRef(instance.Properties?.PerformanceInsightsKMSKeyId, keyId), `${id} Performance Insights key`).toBe(
      true,
    );
  }
  for (const [id, group] of ofType(template, 'AWS::Logs::LogGroup')) {
    expect(isKeyRef(group.Properties?.KmsKeyId, keyId), `${id} log group key`).toBe(true);
  }
  const [, trail] = onlyOne(template, 'AWS::CloudTrail::Trail');
  expect(isKeyRef(trail.Properties.KMSKeyId, keyId), 'trail key').toBe(true);
};

/** No bucket can be public: all four blocks on, ACLs off, and a policy that denies anything but TLS. */
export const expectNoPublicAccess = (template: Template): void => {
  const buckets = ofType(template, 'AWS::S3::Bucket');
  expect(buckets.length).toBeGreaterThanOrEqual(3);
  const policies = ofType(template, 'AWS::S3::BucketPolicy');
  for (const [id, bucket] of buckets) {
    expect(bucket.Properties?.PublicAccessBlockConfiguration, id).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties?.OwnershipControls, id).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    const policy = policies.find(([, p]) => (p.Properties?.Bucket as { Ref?: string })?.Ref === id);
    expect(policy, `${id} has a bucket policy`).toBeDefined();
    const statements = (
      (policy?.[1].Properties?.PolicyDocument ?? { Statement: [] }) as { Statement: Record<string, unknown>[] }
    ).Statement;
    expect(statements, `${id} denies plain HTTP`).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
      const principal = statement.Principal as { AWS?: unknown; Service?: unknown } | string;
      expect(principal === '*' || (typeof principal === 'object' && principal.AWS === '*'), `${id} allows anyone`).toBe(
        false,
      );
    }
  }
};

/** Backups: 7-day automated backups, deletion protection, snapshot on stack deletion. */
export const expectBackups = (template: Template): void => {
  const [id, cluster] = onlyOne(template, 'AWS::RDS::DBCluster');
  expect(cluster.Properties.BackupRetentionPeriod, `${id} backup retention`).toBe(7);
  expect(cluster.Properties.DeletionProtection, `${id} deletion protection`).toBe(true);
  const resource = resourcesOf(template)[id] as unknown as { DeletionPolicy?: string };
  expect(resource.DeletionPolicy, `${id} deletion policy`).toBe('Snapshot');
};

/** The trail: multi-region, global events, validated log files, encrypted, logging, to CloudWatch and a locked bucket. */
export const expectTamperEvidentTrail = (template: Template): void => {
  const [, trail] = onlyOne(template, 'AWS::CloudTrail::Trail');
  expect(trail.Properties).toMatchObject({
    IsLogging: true,
    IsMultiRegionTrail: true,
    IncludeGlobalServiceEvents: true,
    EnableLogFileValidation: true,
  });
  expect(trail.Properties.CloudWatchLogsLogGroupArn).toBeDefined();
  expect(trail.Properties.CloudWatchLogsRoleArn).toBeDefined();
  const bucketId = (trail.Properties.S3BucketName as { Ref: string }).Ref;
  const bucket = resourcesOf(template)[bucketId]?.Properties ?? {};
  expect(bucket.VersioningConfiguration, 'trail bucket versioning').toEqual({ Status: 'Enabled' });
  expect(bucket.ObjectLockEnabled, 'trail bucket object lock').toBe(true);
  expect((bucket.ObjectLockConfiguration as { ObjectLockEnabled: string }).ObjectLockEnabled).toBe('Enabled');
};

/** A deep copy of the template JSON with one change, for mutation tests. */
export const mutated = (template: Template, change: (resources: Resources) => void): Record<string, unknown> => {
  const json = structuredClone(template.toJSON()) as { Resources: Resources };
  change(json.Resources);
  return json;
};
