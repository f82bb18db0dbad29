import { dataWorkloadRoleNames } from '../../contracts/workloads.js';
import type { AccessCell, CheckOutcome, CustomerDataAccess, RehearsalFinding } from './model.js';
import { REHEARSAL_CHECKS } from './model.js';
import { type FoundPolicy, managedPolicyArns } from './policies.js';
import { arnOf, asList, statementsOf } from './resolve.js';
import { type Simulator, simulate as simulateRequest } from './simulate.js';
import { type CfnResource, type LoadedTemplate, resourcesOf, tagsOf } from './templates.js';

/**
 * Who can reach customer data? Every role of every template against every
 * archive bucket (s3:GetObject), customer key (kms:Decrypt, directly or
 * through any AWS service a policy names in kms:ViaService) and data-access
 * role (sts:AssumeRole), through the role's identity policies and the
 * bucket / key / trust policy, across accounts as IAM evaluates them
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
 * The result is the access matrix; a cell that differs from the intended
 * one (below) is a finding either way: a role that must not reach customer
 * data but does, or a workload that cannot reach the data it serves.
 */

/** Roles that read and write a customer's data: the data-access role of that account (and pool). */
const DATA_ACCESS_ROLES = new Set(['customer-data-access', 'pooled-data-access']);
/** Decrypts with the customer key besides the data-access role: the migration hook (the master secret). */
const KEY_USERS = new Set([...DATA_ACCESS_ROLES, 'migration-hook']);
/** The shared compute workloads that assume a data-access role: the contract's list (src/contracts/workloads.ts). */
const WORKLOAD_ROLE_NAMES = new Set<string>(dataWorkloadRoleNames());
/** The customer a request is made for: workloads assume with this session tag and the pooled tier keys objects by it. */
const SAMPLE_CUSTOMER_ID = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';

interface Role {
  readonly template: LoadedTemplate;
  readonly id: string;
  readonly arn: string;
  readonly name: string;
  readonly tag: string | undefined;
  readonly policies: { name: string; policy: unknown }[];
  readonly awsManaged: string[];
}

interface DataResource {
  readonly template: LoadedTemplate;
  readonly id: string;
  readonly access: CustomerDataAccess;
  readonly arn: string;
  /** The request's resource (an object for an archive). */
  readonly requestResource: string;
  readonly action: string;
  readonly resourcePolicy: unknown;
}

const roleName = (arn: string) => arn.slice(arn.indexOf(':role/') + 6);

const rolesOf = (templates: readonly LoadedTemplate[], policies: readonly FoundPolicy[]): Role[] =>
  templates.flatMap((template) =>
    resourcesOf(template)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role')
      .map(([id, r]) => {
        const arn = arnOf({ template }, id, r);
        // A policy attaches to a role by Ref in the role's template, or by name from another stack of the same account.
        const attached = policies.filter(
          (p) =>
            p.kind === 'identity' &&
            ((p.template === template && p.attachedTo.includes(id)) ||
              (p.template.account === template.account && p.attachedTo.includes(roleName(arn)))),
        );
        const managed = managedPolicyArns(template, id);
        return {
          template,
          id,
          arn,
          name: roleName(arn),
          tag: tagsOf(r)['panops:role'],
          policies: attached.map((p, i) => ({ name: `${p.resource}-${i}`, policy: p.document })),
          awsManaged: managed.filter((m) => m.includes(':iam::aws:policy/')),
        };
      }),
  );

const policyFor = (policies: readonly FoundPolicy[], template: LoadedTemplate, kind: FoundPolicy['kind'], id: string) =>
  policies.find((p) => p.template === template && p.kind === kind && (p.resource === id || p.attachedTo.includes(id)))
    ?.document;

const dataResources = (templates: readonly LoadedTemplate[], policies: readonly FoundPolicy[]): DataResource[] =>
  templates.flatMap((template) =>
    resourcesOf(template).flatMap(([id, r]): DataResource[] => {
      const tag = tagsOf(r)['panops:role'];
      const arn = arnOf({ template }, id, r as CfnResource);
      if (r.Type === 'AWS::S3::Bucket' && (tag === 'archive-bucket' || tag === 'pooled-archive-bucket'))
        return [
          {
            template,
            id,
            access: 'read-archive',
            arn,
            requestResource: `${arn}/customers/${SAMPLE_CUSTOMER_ID}/object`,
            action: 's3:GetObject',
            resourcePolicy: policyFor(policies, template, 'bucket', id),
          },
        ];
      if (r.Type === 'AWS::KMS::Key' && tag === 'customer-key')
        return [
          {
            template,
            id,
            access: 'decrypt-customer-key',
            arn,
            requestResource: arn,
            action: 'kms:Decrypt',
            resourcePolicy: policyFor(policies, template, 'key', id),
          },
        ];
      if (r.Type === 'AWS::IAM::Role' && tag && DATA_ACCESS_ROLES.has(tag))
        return [
          {
            template,
            id,
            access: 'assume-data-access-role',
            arn,
            requestResource: arn,
            action: 'sts:AssumeRole',
            resourcePolicy: policyFor(policies, template, 'trust', id),
          },
        ];
      return [];
    }),
  );

/** The archive a key encrypts (the archive bucket of the same template), for the S3 encryption context. */
let archives: DataResource[] = [];
const archiveOf = (key: DataResource): string =>
  archives.find((a) => a.template === key.template && a.access === 'read-archive')?.arn ?? 'arn:aws:s3:::unknown';

/** Whether the intended matrix gives this role this access. */
export const intended = (
  role: Pick<Role, 'template' | 'tag' | 'name'>,
  data: Pick<DataResource, 'template' | 'access'>,
): boolean => {
  const sameTemplate = role.template === data.template;
  switch (data.access) {
    case 'read-archive':
      return sameTemplate && !!role.tag && DATA_ACCESS_ROLES.has(role.tag);
    case 'decrypt-customer-key':
      return sameTemplate && !!role.tag && KEY_USERS.has(role.tag);
    case 'assume-data-access-role':
      return WORKLOAD_ROLE_NAMES.has(role.name);
  }
};

/** Every value of a condition key in any of the policies (the widest context a request could carry). */
const conditionValues = (policies: readonly FoundPolicy[], key: string): string[] => {
  const values = new Set<string>();
  for (const p of policies)
    for (const s of statementsOf(p.document))
      for (const operator of Object.values(s.Condition ?? {}))
        for (const [k, v] of Object.entries(operator ?? {}))
          if (k.toLowerCase() === key.toLowerCase()) for (const x of asList(v)) values.add(x);
  return [...values];
};

export const customerDataCheck = async (
  templates: readonly LoadedTemplate[],
  policies: readonly FoundPolicy[],
  simulate: Simulator = simulateRequest,
): Promise<{ outcome: CheckOutcome; matrix: AccessCell[] }> => {
  const roles = rolesOf(templates, policies);
  const data = dataResources(templates, policies);
  archives = data.filter((d) => d.access === 'read-archive');
  // The organization id the trust policies expect: a role of ours is in the organization.
  const orgIds = conditionValues(policies, 'aws:PrincipalOrgID');
  const viaServices = [undefined, ...conditionValues(policies, 'kms:ViaService')];
  const matrix: AccessCell[] = [];
  const findings: RehearsalFinding[] = [];
  const notes: string[] = [];
  let evaluated = 0;
  for (const role of roles) {
    if (role.awsManaged.length > 0)
      notes.push(
        `${role.template.name} ${role.id}: AWS managed policies (${role.awsManaged.join(', ')}) are not read offline`,
      );
    for (const d of data) {
      const paths = d.access === 'decrypt-customer-key' ? viaServices : [undefined];
      let allowed = false;
      for (const via of paths) {
        evaluated++;
        const outcome = await simulate({
          principal: role.arn,
          action: d.action,
          resource: d.requestResource,
          resourceAccount: d.template.account,
          context: {
            'aws:PrincipalArn': role.arn,
            'aws:PrincipalAccount': role.template.account,
            'aws:SecureTransport': 'true',
            ...(orgIds[0] ? { 'aws:PrincipalOrgID': orgIds[0] } : {}),
            // Session tag of the data-access session (src/services/directory): the pooled tier scopes by it.
            'aws:PrincipalTag/panops:customer-id': SAMPLE_CUSTOMER_ID,
            ...(d.access === 'assume-data-access-role'
              ? { 'aws:RequestTag/panops:customer-id': SAMPLE_CUSTOMER_ID, 'aws:TagKeys': ['panops:customer-id'] }
              : {}),
            ...(via
              ? {
                  'kms:ViaService': via,
                  'kms:CallerAccount': role.template.account,
                  ...(via.startsWith('s3.')
                    ? { 'kms:EncryptionContext:aws:s3:arn': `${archiveOf(d)}/customers/${SAMPLE_CUSTOMER_ID}/object` }
                    : {}),
                }
              : {}),
          },
          identityPolicies: role.policies,
          resourcePolicy: d.resourcePolicy,
        });
        if (outcome.allowed) {
          allowed = true;
          break;
        }
      }
      const expected = intended(role, d);
      matrix.push({
        role: `${role.name}`,
        roleTemplate: role.template.name,
        access: d.access,
        resource: d.id,
        resourceTemplate: d.template.name,
        allowed,
        expected,
      });
      if (allowed === expected) continue;
      if (!allowed && (!d.template.accountKnown || !role.template.accountKnown)) {
        notes.push(
          `${role.name} -> ${d.id} in ${d.template.name}: not evaluated as needed access (an account not vended yet)`,
        );
        continue;
      }
      findings.push({
        check: 'customer-data',
        template: role.template.name,
        resource: role.id,
        message: allowed
          ? `role ${role.name} can ${d.access} (${d.action} on ${d.id} in ${d.template.name}) but must not reach customer data`
          : `role ${role.name} cannot ${d.access} (${d.action} on ${d.id} in ${d.template.name}), which it needs`,
        fix: allowed
          ? `narrow ${role.name}'s identity policies or the ${d.access === 'assume-data-access-role' ? 'trust' : d.access === 'read-archive' ? 'bucket' : 'key'} policy of ${d.id} so only the intended roles reach it`
          : `grant ${role.name} ${d.action} on ${d.id} in both its identity policy and the resource policy`,
      });
    }
  }
  notes.push(`${roles.length} roles x ${data.length} customer-data resources`);
  return {
    outcome: { check: 'customer-data', title: REHEARSAL_CHECKS['customer-data'], evaluated, findings, notes },
    matrix: matrix.filter((c) => c.allowed || c.expected),
  };
};
