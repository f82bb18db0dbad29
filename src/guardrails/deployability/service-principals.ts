import type { CheckOutcome, RehearsalFinding } from './model.js';
import { REHEARSAL_CHECKS } from './model.js';
import type { FoundPolicy } from './policies.js';
import { arnOf, resolveValue } from './resolve.js';
import { describeDenials, type Simulator, simulate as simulateRequest } from './simulate.js';
import { type CfnResource, type LoadedTemplate, resourcesOf } from './templates.js';

/**
 * AWS services that write into our buckets or use our keys do so on the
 * strength of the bucket policy or key policy alone (a service principal has
 * no identity policy). For each resource that makes a service deliver
 * somewhere of ours, the requests the service's documentation says it makes
 * go through the policy of the bucket / key / role it delivers to, with the
 * context the service sends. A denied request is a delivery that fails after
 * a "successful" deploy.
 */
interface Delivery {
  readonly template: LoadedTemplate;
  /** The resource that makes the service deliver (the trail, the flow log, ...). */
  readonly producer: string;
  readonly service: string;
  readonly action: string;
  /** Where: the resource ARN of the request. */
  readonly resource: string;
  /** The bucket / key / role whose policy decides, as a logical id in the template. */
  readonly target: {
    readonly kind: 'bucket' | 'key' | 'trust';
    readonly id: string | undefined;
    readonly name: string;
  };
  readonly context: Record<string, string>;
  readonly doc: string;
}

const DOCS = {
  trailBucket: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html',
  trailKey: 'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html',
  trailLogs:
    'https://docs.aws.amazon.com/awscloudtrail/latest/userguide/send-cloudtrail-events-to-cloudwatch-logs.html',
  flowLogBucket: 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html',
  flowLogKey: 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-permissions.html#flow-logs-s3-cmk-policy',
  flowLogRole: 'https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html',
  logGroupKey: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html',
  accessLogs: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html',
  rdsMonitoring: 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html',
} as const;

const str = (template: LoadedTemplate, value: unknown): string | undefined => {
  const v = resolveValue({ template }, value);
  return typeof v === 'string' ? v : undefined;
};

/** The logical id of the template's resource of `type` whose name or ARN resolves to `value`. */
const findResource = (template: LoadedTemplate, type: string, value: string | undefined): string | undefined => {
  if (!value) return undefined;
  for (const [id, r] of resourcesOf(template)) {
    if (r.Type !== type) continue;
    const arn = arnOf({ template }, id, r);
    if (value === arn || value === id || value === resolveValue({ template }, { Ref: id })) return id;
    if (type === 'AWS::S3::Bucket' && (value === arn.replace('arn:aws:s3:::', '') || value.startsWith(`${arn}/`)))
      return id;
  }
  return undefined;
};

/** The key a bucket encrypts new objects with by default (SSE-KMS), as a logical id. */
const bucketKey = (template: LoadedTemplate, bucketId: string | undefined): string | undefined => {
  if (!bucketId) return undefined;
  const rules = template.body.Resources?.[bucketId]?.Properties?.BucketEncryption as
    | {
        ServerSideEncryptionConfiguration?: {
          ServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: unknown };
        }[];
      }
    | undefined;
  const byDefault = rules?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault;
  if (!byDefault || !String(byDefault.SSEAlgorithm).startsWith('aws:kms')) return undefined;
  return findResource(template, 'AWS::KMS::Key', str(template, byDefault.KMSMasterKeyID));
};

const bucketName = (template: LoadedTemplate, id: string | undefined, fallback: string) =>
  id ? arnOf({ template }, id, template.body.Resources?.[id] as CfnResource).replace('arn:aws:s3:::', '') : fallback;

const keyArn = (template: LoadedTemplate, id: string) =>
  arnOf({ template }, id, template.body.Resources?.[id] as CfnResource);

/** What each resource makes a service deliver, from the services' documentation. */
/** A service assuming the template's role that `roleArnValue` names (none when it names no role of the template). */
const roleAssumption = (
  template: LoadedTemplate,
  producer: string,
  roleArnValue: unknown,
  assumption: Pick<Delivery, 'service' | 'context' | 'doc'>,
): Delivery[] => {
  const roleId = findResource(template, 'AWS::IAM::Role', str(template, roleArnValue));
  if (!roleId) return [];
  return [
    {
      template,
      producer,
      action: 'sts:AssumeRole',
      resource: arnOf({ template }, roleId, template.body.Resources?.[roleId] as CfnResource),
      target: { kind: 'trust', id: roleId, name: roleId },
      ...assumption,
    },
  ];
};

export const deliveries = (template: LoadedTemplate): Delivery[] => {
  const { account, region } = template;
  const out: Delivery[] = [];
  for (const [id, r] of resourcesOf(template)) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::CloudTrail::Trail') {
      const trailArn = arnOf({ template }, id, r);
      const context = { 'aws:SourceArn': trailArn, 'aws:SourceAccount': account };
      const bucketId = findResource(template, 'AWS::S3::Bucket', str(template, p.S3BucketName));
      const name = bucketName(template, bucketId, str(template, p.S3BucketName) ?? '?');
      const prefix = str(template, p.S3KeyPrefix);
      const target = { kind: 'bucket' as const, id: bucketId, name };
      out.push(
        {
          template,
          producer: id,
          service: 'cloudtrail.amazonaws.com',
          action: 's3:GetBucketAcl',
          resource: `arn:aws:s3:::${name}`,
          target,
          context,
          doc: DOCS.trailBucket,
        },
        {
          template,
          producer: id,
          service: 'cloudtrail.amazonaws.com',
          action: 's3:PutObject',
          resource: `arn:aws:s3:::${name}/${prefix ? `${prefix}/` : ''}AWSLogs/${account}/CloudTrail/${region}/2026/01/01/log.json.gz`,
          target,
          context: { ...context, 's3:x-amz-acl': 'bucket-owner-full-control' },
          doc: DOCS.trailBucket,
        },
      );
      const keyId = findResource(template, 'AWS::KMS::Key', str(template, p.KMSKeyId));
      if (p.KMSKeyId !== undefined) {
        const key = { kind: 'key' as const, id: keyId, name: keyId ?? String(str(template, p.KMSKeyId)) };
        const resource = keyId ? keyArn(template, keyId) : String(str(template, p.KMSKeyId));
        const encryption = { ...context, 'kms:EncryptionContext:aws:cloudtrail:arn': trailArn };
        out.push(
          {
            template,
            producer: id,
            service: 'cloudtrail.amazonaws.com',
            action: 'kms:GenerateDataKey',
            resource,
            target: key,
            context: encryption,
            doc: DOCS.trailKey,
          },
          {
            template,
            producer: id,
            service: 'cloudtrail.amazonaws.com',
            action: 'kms:DescribeKey',
            resource,
            target: key,
            context,
            doc: DOCS.trailKey,
          },
        );
      }
      const roleId = findResource(template, 'AWS::IAM::Role', str(template, p.CloudWatchLogsRoleArn));
      if (p.CloudWatchLogsRoleArn !== undefined && roleId)
        out.push({
          template,
          producer: id,
          service: 'cloudtrail.amazonaws.com',
          action: 'sts:AssumeRole',
          resource: arnOf({ template }, roleId, template.body.Resources?.[roleId] as CfnResource),
          target: { kind: 'trust', id: roleId, name: roleId },
          context,
          doc: DOCS.trailLogs,
        });
    }
    if (r.Type === 'AWS::EC2::FlowLog') {
      const destinationType = String(p.LogDestinationType ?? 'cloud-watch-logs');
      if (destinationType === 's3') {
        const destination = str(template, p.LogDestination) ?? '';
        const bucketId = findResource(template, 'AWS::S3::Bucket', destination);
        const name = bucketName(template, bucketId, destination.replace('arn:aws:s3:::', '').split('/')[0] ?? '?');
        const prefix = destination.replace(/^arn:aws:s3:::[^/]+\/?/, '').replace(/\/$/, '');
        const context = { 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:logs:${region}:${account}:*` };
        const target = { kind: 'bucket' as const, id: bucketId, name };
        out.push(
          {
            template,
            producer: id,
            service: 'delivery.logs.amazonaws.com',
            action: 's3:GetBucketAcl',
            resource: `arn:aws:s3:::${name}`,
            target,
            context,
            doc: DOCS.flowLogBucket,
          },
          {
            template,
            producer: id,
            service: 'delivery.logs.amazonaws.com',
            action: 's3:PutObject',
            resource: `arn:aws:s3:::${name}/${prefix ? `${prefix}/` : ''}AWSLogs/${account}/vpcflowlogs/${region}/2026/01/01/log.gz`,
            target,
            context: { ...context, 's3:x-amz-acl': 'bucket-owner-full-control' },
            doc: DOCS.flowLogBucket,
          },
        );
        const keyId = bucketKey(template, bucketId);
        if (keyId)
          out.push({
            template,
            producer: id,
            service: 'delivery.logs.amazonaws.com',
            action: 'kms:GenerateDataKey',
            resource: keyArn(template, keyId),
            target: { kind: 'key', id: keyId, name: keyId },
            context,
            doc: DOCS.flowLogKey,
          });
      } else if (destinationType === 'cloud-watch-logs') {
        out.push(
          ...roleAssumption(template, id, p.DeliverLogsPermissionArn, {
            service: 'vpc-flow-logs.amazonaws.com',
            context: {
              'aws:SourceAccount': account,
              'aws:SourceArn': `arn:aws:ec2:${region}:${account}:vpc-flow-log/${id}`,
            },
            doc: DOCS.flowLogRole,
          }),
        );
      }
    }
    if (r.Type === 'AWS::Logs::LogGroup' && p.KmsKeyId !== undefined) {
      const keyId = findResource(template, 'AWS::KMS::Key', str(template, p.KmsKeyId));
      if (keyId) {
        const groupArn = arnOf({ template }, id, r).replace(/:\*$/, '');
        // The documented key policy conditions every action on the log group's encryption context (Describe* included), so
        // DescribeKey is not one of the requests to expect from Logs.
        for (const action of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'])
          out.push({
            template,
            producer: id,
            service: `logs.${region}.amazonaws.com`,
            action,
            resource: keyArn(template, keyId),
            target: { kind: 'key', id: keyId, name: keyId },
            context: { 'kms:EncryptionContext:aws:logs:arn': groupArn },
            doc: DOCS.logGroupKey,
          });
      }
    }
    if (r.Type === 'AWS::S3::Bucket') {
      const logging = p.LoggingConfiguration as
        | { DestinationBucketName?: unknown; LogFilePrefix?: unknown }
        | undefined;
      if (logging?.DestinationBucketName !== undefined) {
        const destination = str(template, logging.DestinationBucketName) ?? '?';
        const bucketId = findResource(template, 'AWS::S3::Bucket', destination);
        const name = bucketName(template, bucketId, destination);
        const prefix = str(template, logging.LogFilePrefix) ?? '';
        out.push({
          template,
          producer: id,
          service: 'logging.s3.amazonaws.com',
          action: 's3:PutObject',
          resource: `arn:aws:s3:::${name}/${prefix}2026-01-01-00-00-00-0000000000000000`,
          target: { kind: 'bucket', id: bucketId, name },
          context: { 'aws:SourceArn': arnOf({ template }, id, r), 'aws:SourceAccount': account },
          doc: DOCS.accessLogs,
        });
      }
    }
    if (r.Type === 'AWS::RDS::DBInstance' && p.MonitoringRoleArn !== undefined) {
      out.push(
        ...roleAssumption(template, id, p.MonitoringRoleArn, {
          service: 'monitoring.rds.amazonaws.com',
          context: { 'aws:SourceAccount': account },
          doc: DOCS.rdsMonitoring,
        }),
      );
    }
  }
  return out;
};

/** The policy that decides a delivery: the bucket's BucketPolicy, the key's KeyPolicy, the role's trust policy. */
const deciding = (policies: readonly FoundPolicy[], d: Delivery): FoundPolicy[] =>
  policies.filter(
    (p) =>
      p.template === d.template &&
      ((d.target.kind === 'bucket' &&
        p.kind === 'bucket' &&
        (p.attachedTo.includes(d.target.id ?? '') || p.attachedTo.includes(d.target.name))) ||
        (d.target.kind === 'key' && p.kind === 'key' && p.resource === d.target.id) ||
        (d.target.kind === 'trust' && p.kind === 'trust' && p.resource === d.target.id)),
  );

const FIX: Record<Delivery['target']['kind'], (d: Delivery) => string> = {
  bucket: (d) =>
    `add a bucket policy statement allowing ${d.service} ${d.action} on ${d.resource.replace(/AWSLogs\/.*$/, 'AWSLogs/<account>/*')} (with the conditions of ${d.doc})`,
  key: (d) => `add a key policy statement allowing ${d.service} ${d.action} (with the conditions of ${d.doc})`,
  trust: (d) => `let ${d.service} assume the role in its trust policy (${d.doc})`,
};

export const servicePrincipalCheck = async (
  templates: readonly LoadedTemplate[],
  policies: readonly FoundPolicy[],
  simulate: Simulator = simulateRequest,
): Promise<CheckOutcome> => {
  const findings: RehearsalFinding[] = [];
  const notes: string[] = [];
  let evaluated = 0;
  for (const template of templates) {
    for (const d of deliveries(template)) {
      evaluated++;
      if (!d.target.id) {
        notes.push(
          `${template.name} ${d.producer}: ${d.service} delivers to ${d.target.name}, which this template does not define (not checked)`,
        );
        continue;
      }
      const policy = deciding(policies, d);
      const outcome = await simulate({
        principal: d.service,
        action: d.action,
        resource: d.resource,
        resourceAccount: template.account,
        context: d.context,
        resourcePolicy: policy[0]?.document ?? { Version: '2012-10-17', Statement: [] },
      });
      if (outcome.allowed) continue;
      findings.push({
        check: 'service-principal',
        template: template.name,
        resource: d.target.id,
        message: `${d.service} cannot ${d.action} on ${d.resource} for ${d.producer} (${policy[0] ? `${d.target.kind} policy ${policy[0].resource}` : `no ${d.target.kind} policy`}: ${describeDenials(outcome.denials, { servicePrincipal: true })}); the service's requests per ${d.doc}`,
        fix: FIX[d.target.kind](d),
      });
    }
  }
  return { check: 'service-principal', title: REHEARSAL_CHECKS['service-principal'], evaluated, findings, notes };
};
