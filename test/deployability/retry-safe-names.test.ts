import { beforeAll, describe, expect, it } from 'vitest';
import { ORGANIZATION_KINDS, type SynthesizedOrganization, synthesizeOrganization } from '../support/organizations.js';

/**
 * The property that names a resource, per type: set, it is a fixed name that
 * a second resource cannot take while the first exists.
 */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::CloudTrail::Trail': 'TrailName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SSM::Parameter': 'Name',
};

let organizations: SynthesizedOrganization[];
beforeAll(() => {
  organizations = ORGANIZATION_KINDS.map(synthesizeOrganization);
});

describe('names that survive a failed first attempt', () => {
  // A resource kept (DeletionPolicy Retain) when the stack's first create rolls back keeps its
  // name: the retry then fails with "already exists". RetainExceptOnCreate deletes what the failed
  // create made and keeps it ever after; a generated name never collides.
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
  it('no resource that a rolled-back create would keep has a fixed name', () => {
    const kept = organizations.flatMap((org) =>
      org.templates.flatMap((t) =>
        Object.entries(
          t.template.Resources as Record<
            string,
            { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }
          >,
        )
          .filter(
            ([, r]) =>
              r.DeletionPolicy === 'Retain' &&
              NAME_PROPERTY[r.Type] &&
              r.Properties?.[NAME_PROPERTY[r.Type] as string] !== undefined,
          )
          .map(
            ([id, r]) =>
              `${org.kind} ${t.stackName} ${id} (${r.Type} ${JSON.stringify(r.Properties?.[NAME_PROPERTY[r.Type] as string])})`,
          ),
      ),
    );
    expect(kept).toEqual([]);
  });

  it('keeps trails and the database log groups once they exist, and deletes them only when their own create rolls back', () => {
    const policies = organizations.flatMap((org) =>
      org.templates.flatMap((t) =>
        Object.values(
          t.template.Resources as Record<
            string,
            { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> }
          >,
        ).filter(
          (r) =>
            r.Type === 'AWS::CloudTrail::Trail' ||
            (r.Type === 'AWS::Logs::LogGroup' && String(r.Properties?.LogGroupName ?? '').startsWith('/aws/rds/')),
        ),
      ),
    );
    expect(policies.length).toBeGreaterThan(40);
    expect(new Set(policies.map((r) => r.DeletionPolicy))).toEqual(new Set(['RetainExceptOnCreate']));
  });
});
