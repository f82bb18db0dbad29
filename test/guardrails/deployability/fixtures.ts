import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Template folders for the rehearsal tests: copies of the synthesized
 * organization's templates, "repaired" of the defects the example
 * organization had when the rehearsal was written (so each negative proof
 * starts from a template that passes, whatever the state of the fixes), then
 * mutated one defect at a time.
 */
export type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  [key: string]: unknown;
};

export const readTemplate = (dir: string, name: string): Template =>
  JSON.parse(readFileSync(join(dir, name), 'utf8')) as Template;

export const resourceOfType = (t: Template, type: string, predicate: (id: string) => boolean = () => true) => {
  const entry = Object.entries(t.Resources).find(([id, r]) => r.Type === type && predicate(id));
  if (!entry) throw new Error(`no ${type} in template`);
  return { id: entry[0], resource: entry[1] };
};

const statements = (doc: { Statement: any[] }) => doc.Statement;

/** IAM text in IAM's character set (typographic apostrophes become ASCII). */
export const repairIamText = (t: Template): void => {
  for (const r of Object.values(t.Resources))
    if (r.Type === 'AWS::IAM::Role' && typeof r.Properties.Description === 'string')
      r.Properties.Description = r.Properties.Description.replaceAll('\u2019', "'");
};

/** The documented flow-log delivery grant on the bucket the flow log writes to (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html). */
export const addFlowLogGrant = (t: Template): void => {
  const flowLog = resourceOfType(t, 'AWS::EC2::FlowLog').resource;
  if (flowLog.Properties.LogDestinationType !== 's3') return;
  const destination = flowLog.Properties.LogDestination as { 'Fn::Join': [string, any[]] };
  const bucketId = destination['Fn::Join'][1][0]['Fn::GetAtt'][0] as string;
  const policy = Object.values(t.Resources).find(
    (r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket?.Ref === bucketId,
  );
  if (!policy) throw new Error('no bucket policy on the flow-log bucket');
  const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
  const conditions = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
  statements(policy.Properties.PolicyDocument).push(
    {
      Sid: 'AWSLogDeliveryAclCheck',
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: bucketArn,
      Condition: conditions,
    },
    {
      Sid: 'AWSLogDeliveryWrite',
      Effect: 'Allow',
      Principal: { Service: 'delivery.logs.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: { 'Fn::Join': ['', [bucketArn, '/vpc-flow-logs/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']] },
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 's3:x-amz-acl': 'bucket-owner-full-control' },
      },
    },
  );
};

/** The documented "describe key" statement for CloudTrail (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html). */
export const addCloudTrailDescribeKey = (t: Template): void => {
  for (const r of Object.values(t.Resources)) {
    if (r.Type !== 'AWS::KMS::Key') continue;
    const doc = r.Properties.KeyPolicy;
    if (!statements(doc).some((s) => JSON.stringify(s.Principal ?? '').includes('cloudtrail.amazonaws.com'))) continue;
    if (statements(doc).some((s) => s.Sid === 'CloudTrailDescribeKey')) continue;
    statements(doc).push({
      Sid: 'CloudTrailDescribeKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
    });
  }
};

/** The StackSet execution role exempt from the public-access-block SCP statement (it applies the bootstrap's staging bucket). */
export const exemptStackSetsFromPublicAccessBlockDeny = (t: Template): void => {
  for (const r of Object.values(t.Resources)) {
    if (r.Type !== 'AWS::Organizations::Policy') continue;
    for (const s of statements(r.Properties.Content)) {
      const arns = s.Condition?.ArnNotLike?.['aws:PrincipalArn'];
      if (
        s.Sid === 'DenyPublicAccessBlockChangesOutsideDeploys' &&
        Array.isArray(arns) &&
        !arns.some((a: string) => a.includes('stacksets-exec'))
      )
        arns.push('arn:aws:iam::*:role/stacksets-exec-*');
    }
  }
};

export const repair = (t: Template): Template => {
  repairIamText(t);
  addCloudTrailDescribeKey(t);
  if (Object.values(t.Resources).some((r) => r.Type === 'AWS::EC2::FlowLog')) addFlowLogGrant(t);
  exemptStackSetsFromPublicAccessBlockDeny(t);
  return t;
};

/** A new folder with the named templates of `from` (and its manifest), each passed through `edit`. */
export const templateFolder = (
  from: string,
  names: readonly string[],
  edit: (name: string, t: Template) => void = () => {},
): string => {
  const dir = mkdtempSync(join(tmpdir(), 'panops-rehearsal-test-'));
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(from, 'manifest.json'), join(dir, 'manifest.json'));
  for (const name of names) {
    const t = repair(readTemplate(from, name));
    edit(name, t);
    writeFileSync(join(dir, name), JSON.stringify(t, null, 1));
  }
  return dir;
};
