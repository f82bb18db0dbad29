import type { CfnResource, LoadedTemplate } from './templates.js';

/**
 * Turns a template value with intrinsics into the plain value a policy
 * evaluator needs: `Ref`/`Fn::GetAtt` of our own resources become the names
 * and ARNs the resources would get (the logical id where CloudFormation
 * would generate a name), pseudo parameters the stack's account and region.
 * Values it cannot know (imports, other stacks) become a marker string that
 * matches nothing, so a policy never looks more permissive than it is.
 */
export interface ResolveContext {
  readonly template: LoadedTemplate;
}

const UNRESOLVED = (what: string) => `unresolved:${what}`;

const physicalName = (ctx: ResolveContext, id: string, resource: CfnResource): string => {
  const p = resource.Properties ?? {};
  const named = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : undefined);
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return named('BucketName') ?? id.toLowerCase();
    case 'AWS::IAM::Role':
      return named('RoleName') ?? id;
    case 'AWS::Logs::LogGroup':
      return named('LogGroupName') ?? id;
    case 'AWS::SQS::Queue':
      return `https://sqs.${ctx.template.region}.amazonaws.com/${ctx.template.account}/${named('QueueName') ?? id}`;
    case 'AWS::SNS::Topic':
      return arnOf(ctx, id, resource);
    default:
      return id;
  }
};

/** The ARN CloudFormation would give the resource. */
export const arnOf = (ctx: ResolveContext, id: string, resource: CfnResource): string => {
  const { account, region } = ctx.template;
  const p = resource.Properties ?? {};
  const named = (key: string) => (typeof p[key] === 'string' ? (p[key] as string) : id);
  switch (resource.Type) {
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${physicalName(ctx, id, resource)}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${account}:role/${physicalName(ctx, id, resource)}`;
    case 'AWS::IAM::ManagedPolicy':
      return `arn:aws:iam::${account}:policy/${named('ManagedPolicyName')}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${region}:${account}:key/${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${region}:${account}:log-group:${physicalName(ctx, id, resource)}:*`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${region}:${account}:${named('QueueName')}`;
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${account}:${named('TopicName')}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${region}:${account}:function:${named('FunctionName')}`;
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return `arn:aws:dynamodb:${region}:${account}:table/${named('TableName')}`;
    case 'AWS::CloudTrail::Trail':
      return `arn:aws:cloudtrail:${region}:${account}:trail/${named('TrailName')}`;
    case 'AWS::RDS::DBCluster':
      return `arn:aws:rds:${region}:${account}:cluster:${id.toLowerCase()}`;
    default:
      return `arn:aws:${resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown'}:${region}:${account}:${id}`;
  }
};

const pseudo = (ctx: ResolveContext, name: string): string | undefined =>
  ({
    'AWS::Partition': 'aws',
    'AWS::AccountId': ctx.template.account,
    'AWS::Region': ctx.template.region,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': ctx.template.name.replace(/\.template\.json.*$/, ''),
    'AWS::StackId': `arn:aws:cloudformation:${ctx.template.region}:${ctx.template.account}:stack/${ctx.template.name}/id`,
  })[name];

const ref = (ctx: ResolveContext, name: string): unknown => {
  const p = pseudo(ctx, name);
  if (p !== undefined) return p;
  if (name === 'AWS::NoValue') return undefined;
  const resource = ctx.template.body.Resources?.[name];
  if (resource) return physicalName(ctx, name, resource);
  const parameter = ctx.template.body.Parameters?.[name];
  if (parameter && parameter.Default !== undefined) return parameter.Default;
  return UNRESOLVED(name);
};

const getAtt = (ctx: ResolveContext, id: string, attribute: string): string => {
  const resource = ctx.template.body.Resources?.[id];
  if (!resource) return UNRESOLVED(`${id}.${attribute}`);
  if (attribute === 'Arn') return arnOf(ctx, id, resource);
  if (attribute === 'KeyId') return id;
  return `${id}.${attribute}`;
};

const sub = (ctx: ResolveContext, text: string, vars: Record<string, unknown>): string =>
  text.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
    if (name in vars) return String(resolveValue(ctx, vars[name]));
    const [id, attribute] = name.split('.');
    if (attribute && id) return getAtt(ctx, id, attribute);
    return String(ref(ctx, name));
  });

/** Resolves every intrinsic in `value` (deeply). */
export const resolveValue = (ctx: ResolveContext, value: unknown): unknown => {
  if (Array.isArray(value)) return value.map((v) => resolveValue(ctx, v)).filter((v) => v !== undefined);
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0] as [string, unknown];
    switch (key) {
      case 'Ref':
        return ref(ctx, String(arg));
      case 'Fn::GetAtt': {
        const [id, ...attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
        return getAtt(ctx, id ?? '', attribute.join('.'));
      }
      case 'Fn::Join': {
        const [separator, items] = arg as [string, unknown[]];
        const resolved = resolveValue(ctx, items);
        return Array.isArray(resolved) ? resolved.map(String).join(separator) : String(resolved);
      }
      case 'Fn::Sub':
        return Array.isArray(arg)
          ? sub(ctx, String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>)
          : sub(ctx, String(arg), {});
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const resolved = resolveValue(ctx, list);
        return Array.isArray(resolved) ? resolved[Number(resolveValue(ctx, index))] : UNRESOLVED('Fn::Select');
      }
      case 'Fn::Split': {
        const [separator, text] = arg as [string, unknown];
        return String(resolveValue(ctx, text)).split(separator);
      }
      case 'Fn::If': {
        const [, whenTrue] = arg as [string, unknown, unknown];
        return resolveValue(ctx, whenTrue);
      }
      case 'Fn::ImportValue':
        return UNRESOLVED(`import:${JSON.stringify(arg)}`);
      case 'Fn::GetAZs':
        return [`${ctx.template.region}a`, `${ctx.template.region}b`];
      default:
        break;
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(ctx, v)]).filter(([, v]) => v !== undefined));
};

/** A policy document property, as an object (CloudFormation accepts it as a JSON string too). */
export const policyDocument = (ctx: ResolveContext, value: unknown): PolicyDoc | undefined => {
  const resolved = resolveValue(ctx, typeof value === 'string' ? safeJson(value) : value);
  return resolved && typeof resolved === 'object' && 'Statement' in resolved ? (resolved as PolicyDoc) : undefined;
};

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

export interface PolicyStatementDoc {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
export interface PolicyDoc {
  Version?: string;
  Statement: PolicyStatementDoc | PolicyStatementDoc[];
}

export const statementsOf = (doc: PolicyDoc): PolicyStatementDoc[] =>
  Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];

export const asList = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value.map(String) : [String(value)];
