import { globMatches, type ScpRequest, statementApplies } from '../../src/org/scp/scp-evaluation.js';

/**
 * Can each AWS service that a template sends somewhere actually write there?
 * Reads one synthesized template, finds every service delivery it sets up
 * (CloudTrail into its bucket and key, S3 server access logs, VPC flow logs
 * to S3, CloudWatch Logs encryption) and evaluates the bucket policy and the
 * key policy for each request the service makes, as the AWS documentation
 * describes it (cited per request below). Allow needs a matching Allow
 * statement and no matching Deny (the TLS denies included).
 */

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Json = any;

interface Env {
  readonly account: string;
  readonly region: string;
  readonly resources: Record<string, Json>;
}

/** A resolved value: pseudo parameters filled in; a bucket's Ref/Arn as stable fake names. */
const resolve = (value: Json, env: Env): Json => {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => resolve(v, env));
  if (value && typeof value === 'object') {
    if ('Ref' in value) {
      const ref = value.Ref as string;
      if (ref === 'AWS::Partition') return 'aws';
      if (ref === 'AWS::AccountId') return env.account;
      if (ref === 'AWS::Region') return env.region;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      return bucketName(ref);
    }
    if ('Fn::GetAtt' in value) {
      const [id, attribute] = value['Fn::GetAtt'] as [string, string];
      const type = env.resources[id]?.Type;
      if (type === 'AWS::S3::Bucket' && attribute === 'Arn') return `arn:aws:s3:::${bucketName(id)}`;
      if (type === 'AWS::KMS::Key' && attribute === 'Arn') return `arn:aws:kms:${env.region}:${env.account}:key/${id}`;
      if (type === 'AWS::Logs::LogGroup' && attribute === 'Arn')
        return `arn:aws:logs:${env.region}:${env.account}:log-group:${logGroupName(env, id)}:*`;
      return `${id}.${attribute}`;
    }
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((p) => resolve(p, env)).join(separator);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, env)]));
  }
  return value;
};
const bucketName = (logicalId: string) => `bucket-${logicalId.toLowerCase()}`;
const logGroupName = (env: Env, id: string): string => {
  const name = env.resources[id]?.Properties?.LogGroupName;
  return typeof name === 'string' ? name : `generated-${id}`;
};
/** The logical id a Ref or GetAtt points at. */
const target = (value: Json): string | undefined =>
  value?.Ref ??
  value?.['Fn::GetAtt']?.[0] ??
  value?.['Fn::Join']?.[1]?.find((p: Json) => typeof p === 'object')?.['Fn::GetAtt']?.[0];

interface ServiceRequest {
  readonly service: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string>;
}

const list = (v: Json): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const principalMatches = (principal: Json, service: string): boolean => {
  if (principal === '*' || principal?.AWS === '*' || list(principal?.AWS).includes('*')) return true;
  return list(principal?.Service).includes(service);
};

const statementMatches = (statement: Json, request: ServiceRequest): boolean => {
  if (!principalMatches(statement.Principal, request.service)) return false;
  const resources = list(statement.Resource);
  if (!resources.some((r) => globMatches(r, request.resource, false))) return false;
  const scpRequest: ScpRequest = { action: request.action, context: request.context };
  return statementApplies({ Sid: statement.Sid ?? '(no sid)', ...statement }, scpRequest);
};

/** Whether a resolved policy document lets the service make the request. */
export const policyAllows = (document: Json, request: ServiceRequest): boolean => {
  const statements: Json[] = document?.Statement ?? [];
  return (
    statements.some((s) => s.Effect === 'Allow' && statementMatches(s, request)) &&
    !statements.some((s) => s.Effect === 'Deny' && statementMatches(s, request))
  );
};

/** Every service request of a template that its bucket or key policy would refuse, with the documentation it rests on. */
export const refusedDeliveries = (template: Json, account: string, region: string): string[] => {
  const resources: Record<string, Json> = template.Resources ?? {};
  const env: Env = { account, region, resources };
  const bucketPolicy = (bucketId: string): Json => {
    const found = Object.values(resources).find(
      (r) => r.Type === 'AWS::S3::BucketPolicy' && r.Properties.Bucket?.Ref === bucketId,
    );
    return found ? resolve(found.Properties.PolicyDocument, env) : { Statement: [] };
  };
  const keyPolicy = (keyId: string | undefined): Json =>
    keyId && resources[keyId]?.Type === 'AWS::KMS::Key'
      ? resolve(resources[keyId].Properties.KeyPolicy, env)
      : undefined;
  const bucketEncryption = (bucketId: string) => {
    const rule = resources[bucketId]?.Properties?.BucketEncryption?.ServerSideEncryptionConfiguration?.[0];
    return {
      keyId: target(rule?.ServerSideEncryptionByDefault?.KMSMasterKeyID),
      bucketKey: rule?.BucketKeyEnabled === true,
    };
  };
  const refusals: string[] = [];
  const check = (what: string, document: Json, request: ServiceRequest, source: string) => {
    if (document === undefined) return; // not a key of this template (an AWS managed key or SSE-S3)
    if (!policyAllows(document, request))
      refusals.push(`${what}: ${request.service} ${request.action} on ${request.resource} refused (${source})`);
  };
  const tls = { 'aws:SecureTransport': 'true', 's3:TlsVersion': '1.3' };

  for (const [id, resource] of Object.entries(resources)) {
    const p = resource.Properties ?? {};
    if (resource.Type === 'AWS::CloudTrail::Trail') {
      // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
      // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
      const trailArn = `arn:aws:cloudtrail:${region}:${account}:trail/${p.TrailName ?? id}`;
      const bucketId = p.S3BucketName?.Ref as string;
      const bucketArn = `arn:aws:s3:::${bucketName(bucketId)}`;
      const source = { 'aws:SourceArn': trailArn, 'aws:SourceAccount': account };
      const s3Doc =
        'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html';
      const kmsDoc =
        'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html';
      const bucket = bucketPolicy(bucketId);
      check(
        `trail ${id} bucket`,
        bucket,
        {
          service: 'cloudtrail.amazonaws.com',
          action: 's3:GetBucketAcl',
          resource: bucketArn,
          context: { ...source, ...tls },
        },
        s3Doc,
      );
      check(
        `trail ${id} bucket`,
        bucket,
        {
          service: 'cloudtrail.amazonaws.com',
          action: 's3:PutObject',
          resource: `${bucketArn}/AWSLogs/${account}/CloudTrail/${region}/2026/01/01/log.json.gz`,
          context: { ...source, ...tls, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
        s3Doc,
      );
      const key = keyPolicy(target(p.KMSKeyId));
      const keyArn = `arn:aws:kms:${region}:${account}:key/${target(p.KMSKeyId)}`;
      check(
        `trail ${id} key`,
        key,
        {
          service: 'cloudtrail.amazonaws.com',
          action: 'kms:GenerateDataKey',
          resource: keyArn,
          context: { ...source, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArn },
        },
        `${kmsDoc}#create-kms-key-policy-for-cloudtrail-encrypt`,
      );
      // DescribeKey carries no encryption context: a condition on one can never match.
      check(
        `trail ${id} key`,
        key,
        { service: 'cloudtrail.amazonaws.com', action: 'kms:DescribeKey', resource: keyArn, context: source },
        `${kmsDoc}#create-kms-key-policy-for-cloudtrail-describe`,
      );
      if (bucketEncryption(bucketId).bucketKey)
        // With an S3 Bucket Key the context is the bucket's ARN, not the trail's.
        check(
          `trail ${id} key (S3 Bucket Key)`,
          key,
          {
            service: 'cloudtrail.amazonaws.com',
            action: 'kms:Decrypt',
            resource: keyArn,
            context: { ...source, 'kms:EncryptionContext:aws:s3:arn': bucketArn },
          },
          `${kmsDoc}#create-kms-key-policy-for-cloudtrail-policy-sections`,
        );
    }
    if (resource.Type === 'AWS::S3::Bucket' && p.LoggingConfiguration?.DestinationBucketName) {
      // https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
      const doc = 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html';
      const destination = target(p.LoggingConfiguration.DestinationBucketName) as string;
      const context = { 'aws:SourceArn': `arn:aws:s3:::${bucketName(id)}`, 'aws:SourceAccount': account, ...tls };
      check(
        `server access logs of ${id}`,
        bucketPolicy(destination),
        {
          service: 'logging.s3.amazonaws.com',
          action: 's3:PutObject',
          resource: `arn:aws:s3:::${bucketName(destination)}/${p.LoggingConfiguration.LogFilePrefix ?? ''}2026-01-01-00-00-00-0123456789ABCDEF`,
          context,
        },
        doc,
      );
      check(
        `server access logs of ${id} (key)`,
        keyPolicy(bucketEncryption(destination).keyId),
        { service: 'logging.s3.amazonaws.com', action: 'kms:GenerateDataKey', resource: '*', context },
        doc,
      );
    }
    if (resource.Type === 'AWS::EC2::FlowLog' && p.LogDestinationType === 's3') {
      // https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-S3.html
      const doc = 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html';
      const destination = resolve(p.LogDestination, env) as string;
      const bucketId = target(p.LogDestination) as string;
      const bucketArn = `arn:aws:s3:::${bucketName(bucketId)}`;
      const prefix = destination.slice(bucketArn.length).replace(/^\//, '');
      const context = {
        'aws:SourceAccount': account,
        'aws:SourceArn': `arn:aws:logs:${region}:${account}:delivery-source:vpc-flow-log`,
        ...tls,
      };
      const bucket = bucketPolicy(bucketId);
      check(
        `flow log ${id} bucket`,
        bucket,
        { service: 'delivery.logs.amazonaws.com', action: 's3:GetBucketAcl', resource: bucketArn, context },
        doc,
      );
      check(
        `flow log ${id} bucket`,
        bucket,
        {
          service: 'delivery.logs.amazonaws.com',
          action: 's3:PutObject',
          resource: `${bucketArn}/${prefix}AWSLogs/${account}/vpcflowlogs/${region}/2026/01/01/flow.log.gz`,
          context: { ...context, 's3:x-amz-acl': 'bucket-owner-full-control' },
        },
        doc,
      );
      check(
        `flow log ${id} key`,
        keyPolicy(bucketEncryption(bucketId).keyId),
        { service: 'delivery.logs.amazonaws.com', action: 'kms:GenerateDataKey', resource: '*', context },
        'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-S3.html#AWS-logs-SSE-KMS-S3',
      );
    }
    if (resource.Type === 'AWS::Logs::LogGroup' && p.KmsKeyId) {
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
      const groupArn = `arn:aws:logs:${region}:${account}:log-group:${logGroupName(env, id)}`;
      for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'])
        check(
          `log group ${id} key`,
          keyPolicy(target(p.KmsKeyId)),
          {
            service: `logs.${region}.amazonaws.com`,
            action,
            resource: '*',
            context: { 'kms:EncryptionContext:aws:logs:arn': groupArn, 'aws:SourceAccount': account },
          },
          'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
        );
    }
  }
  return refusals;
};
