import { type PolicyDoc, policyDocument, resolveValue } from './resolve.js';
import { type LoadedTemplate, resourcesOf } from './templates.js';

/** Where a policy document sits. */
export type PolicyKind = 'scp' | 'identity' | 'trust' | 'key' | 'bucket' | 'queue' | 'topic';

export interface FoundPolicy {
  readonly kind: PolicyKind;
  readonly template: LoadedTemplate;
  /** Logical id of the resource that carries the document. */
  readonly resource: string;
  readonly document: PolicyDoc;
  /** identity: the role names it attaches to; bucket/key/queue/topic: the resource it governs (logical id or name). */
  readonly attachedTo: readonly string[];
}

const refs = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).flatMap((v) =>
    v && typeof v === 'object' && 'Ref' in v ? [String((v as { Ref: unknown }).Ref)] : typeof v === 'string' ? [v] : [],
  );

/** Every policy document of the templates, intrinsics resolved. */
export const policiesOf = (templates: readonly LoadedTemplate[]): FoundPolicy[] => {
  const found: FoundPolicy[] = [];
  for (const template of templates) {
    const ctx = { template };
    const add = (kind: PolicyKind, resource: string, raw: unknown, attachedTo: string[]) => {
      const document = policyDocument(ctx, raw);
      if (document) found.push({ kind, template, resource, document, attachedTo });
    };
    for (const [id, resource] of resourcesOf(template)) {
      const p = resource.Properties ?? {};
      switch (resource.Type) {
        case 'AWS::Organizations::Policy':
          if ((p.Type ?? 'SERVICE_CONTROL_POLICY') === 'SERVICE_CONTROL_POLICY') add('scp', id, p.Content, []);
          break;
        case 'AWS::IAM::Role':
          add('trust', id, p.AssumeRolePolicyDocument, [id]);
          for (const inline of (p.Policies as { PolicyDocument?: unknown }[] | undefined) ?? [])
            add('identity', id, inline.PolicyDocument, [id]);
          break;
        case 'AWS::IAM::Policy':
        case 'AWS::IAM::ManagedPolicy':
          add('identity', id, p.PolicyDocument, refs(p.Roles));
          break;
        case 'AWS::KMS::Key':
          add('key', id, p.KeyPolicy, [id]);
          break;
        case 'AWS::S3::BucketPolicy':
          add('bucket', id, p.PolicyDocument, refs(p.Bucket));
          break;
        case 'AWS::SQS::QueuePolicy':
          add('queue', id, p.PolicyDocument, []);
          break;
        case 'AWS::SNS::TopicPolicy':
          add('topic', id, p.PolicyDocument, []);
          break;
        default:
          break;
      }
    }
  }
  return found;
};

/** The managed policy ARNs a role names directly (AWS managed ones cannot be read offline). */
export const managedPolicyArns = (template: LoadedTemplate, roleId: string): string[] => {
  const p = template.body.Resources?.[roleId]?.Properties ?? {};
  const resolved = resolveValue({ template }, p.ManagedPolicyArns);
  return Array.isArray(resolved) ? resolved.map(String) : [];
};
