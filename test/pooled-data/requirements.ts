import { expect } from 'vitest';
import { SESSION_CUSTOMER_VARIABLE } from '../../src/contracts/pooled-data.js';
import { type Resources, resourcesOfType, statementsOf } from '../support/template.js';

/**
 * The pooled tier's requirements as checks on a template's resources, so the
 * stack test runs them on the real template and the mutation tests on a copy
 * with one property broken.
 */

type Props = Record<string, unknown>;

const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** `Ref`/`Fn::GetAtt` to the logical id. */
const refersTo = (value: unknown, logicalId: string): boolean => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref === logicalId || v?.['Fn::GetAtt']?.[0] === logicalId;
};

/** The only KMS key of the stack: customer-managed, rotated, retained. */
export const expectPooledKey = (resources: Resources): string => {
  const keys = resourcesOfType(resources, 'AWS::KMS::Key');
  expect(keys, 'exactly one customer-managed key').toHaveLength(1);
  const [keyId, key] = keys[0] as [string, { Properties: Props }];
  expect(key.Properties.EnableKeyRotation, 'key rotation').toBe(true);
  expect(key.Properties.KeySpec).toBe('SYMMETRIC_DEFAULT');
  return keyId;
};

/** Every data store (buckets, cluster, its secret, Performance Insights, log groups, trail) uses the pooled key. */
export const expectPooledKeyEverywhere = (resources: Resources): void => {
  const keyId = expectPooledKey(resources);
  for (const [id, bucket] of resourcesOfType(resources, 'AWS::S3::Bucket')) {
    const rules = (bucket.Properties?.BucketEncryption as { ServerSideEncryptionConfiguration: Props[] } | undefined)
      ?.ServerSideEncryptionConfiguration;
    const byDefault = rules?.[0]?.ServerSideEncryptionByDefault as Props | undefined;
    expect(byDefault?.SSEAlgorithm, `${id} SSE-KMS`).toBe('aws:kms');
    expect(refersTo(byDefault?.KMSMasterKeyID, keyId), `${id} uses the pooled key`).toBe(true);
  }
  for (const [id, cluster] of resourcesOfType(resources, 'AWS::RDS::DBCluster')) {
    expect(cluster.Properties?.StorageEncrypted, id).toBe(true);
    expect(refersTo(cluster.Properties?.KmsKeyId, keyId), `${id} storage key`).toBe(true);
    const secret = (cluster.Properties?.MasterUserSecret ?? {}) as Props;
    expect(refersTo(secret.KmsKeyId, keyId), `${id} secret key`).toBe(true);
  }
  for (const [id, instance] of resourcesOfType(resources, 'AWS::RDS::DBInstance'))
    expect(refersTo(instance.Properties?.PerformanceInsightsKMSKeyId, keyId), `${id} PI key`).toBe(true);
  for (const [id, group] of resourcesOfType(resources, 'AWS::Logs::LogGroup'))
    expect(refersTo(group.Properties?.KmsKeyId, keyId), `${id} log group key`).toBe(true);
  for (const [id, trail] of resourcesOfType(resources, 'AWS::CloudTrail::Trail'))
    expect(refersTo(trail.Properties?.KMSKeyId, keyId), `${id} trail key`).toBe(true);
};

/** The pooled archive: bucket keys off (per-object encryption context) and one retention rule per customer prefix. */
export const expectPerCustomerArchive = (
  resources: Resources,
  customers: ReadonlyArray<{ id: string; retentionDays: number }>,
): void => {
  const archives = resourcesOfType(resources, 'AWS::S3::Bucket').filter(([, b]) =>
    (b.Properties?.Tags as { Key: string; Value: string }[] | undefined)?.some(
      (t) => t.Key === 'panops:role' && t.Value === 'pooled-archive-bucket',
    ),
  );
  expect(archives, 'exactly one pooled archive bucket').toHaveLength(1);
  const [id, archive] = archives[0] as [string, { Properties: Props }];
  const rule = (archive.Properties.BucketEncryption as { ServerSideEncryptionConfiguration: Props[] })
    .ServerSideEncryptionConfiguration[0] as Props;
  expect(rule.BucketKeyEnabled, `${id}: bucket keys would replace the per-object encryption context`).toBe(false);
  expect(archive.Properties.ObjectLockEnabled, `${id} object lock`).not.toBe(true);
  const lifecycle = (archive.Properties.LifecycleConfiguration as { Rules: Props[] }).Rules;
  // No rule expires by age (a held object of any customer would go): only objects tagged disposable expire.
  expect(customers.length).toBeGreaterThan(0);
  const expiring = lifecycle.filter((r) => r.ExpirationInDays !== undefined || r.NoncurrentVersionExpiration);
  expect(expiring).toEqual([
    expect.objectContaining({ Status: 'Enabled', TagFilters: [{ Key: 'panops:disposition', Value: 'disposable' }] }),
  ]);
};

/** The data-access role: session-tagged trust, every permission confined to the tag's prefix, nothing deletes. */
export const expectAttributeScopedAccess = (resources: Resources, workloadRoleArns: readonly string[]): void => {
  const roles = resourcesOfType(resources, 'AWS::IAM::Role').filter(
    ([, r]) => r.Properties?.RoleName === 'panops-pooled-data-access',
  );
  expect(roles).toHaveLength(1);
  const [roleId, role] = roles[0] as [string, { Properties: Props }];
  const trust = statementsOf(role.Properties.AssumeRolePolicyDocument);
  expect(trust).toHaveLength(1);
  expect(asArray(trust[0]?.Action).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
  expect(trust[0]?.Condition).toMatchObject({
    ArnEquals: { 'aws:PrincipalArn': [...workloadRoleArns] },
    StringLike: { 'aws:RequestTag/panops:customer-id': '????????-????-????-????-????????????' },
    'ForAllValues:StringEquals': { 'aws:TagKeys': ['panops:customer-id'] },
  });
  const policies = resourcesOfType(resources, 'AWS::IAM::ManagedPolicy').filter(([, p]) =>
    asArray(p.Properties?.Roles).some((r) => refersTo(r, roleId)),
  );
  expect(policies).toHaveLength(1);
  const statements = statementsOf(policies[0]?.[1].Properties?.PolicyDocument);
  const scoped = SESSION_CUSTOMER_VARIABLE;
  for (const statement of statements) {
    const actions = asArray(statement.Action) as string[];
    expect(
      actions.some((a) => a.includes('*') || a.startsWith('s3:Delete')),
      `${statement.Sid} actions`,
    ).toBe(false);
    if (actions.some((a) => a.startsWith('s3:') || a.startsWith('kms:'))) {
      expect(JSON.stringify(statement), `${statement.Sid} is confined to the session customer`).toContain(
        `customers/${scoped}/`,
      );
    }
  }
  const kms = statements.find((s) => asArray(s.Action).includes('kms:Decrypt'));
  expect(JSON.stringify(kms?.Condition?.StringLike)).toContain('kms:EncryptionContext:aws:s3:arn');
  const [, key] = resourcesOfType(resources, 'AWS::KMS::Key')[0] as [string, { Properties: Props }];
  const keyStatement = statementsOf(key.Properties.KeyPolicy).find(
    (s) => s.Sid === 'PooledDataAccessOwnObjectsThroughS3',
  );
  expect(JSON.stringify(keyStatement?.Condition), 'the key policy binds the data key to the prefix').toContain(
    `customers/${scoped}/*`,
  );
};
