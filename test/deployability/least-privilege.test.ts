/**
 * Least privilege for the internet-facing handler (#18 item 5), on every
 * synthesized template of the example organization and of one with 20
 * dedicated customers and the pooled cluster in an account of its own:
 * - no data-access role (dedicated or pooled) trusts the webhook handler or
 *   the inference service; the connector and transcription workers only;
 * - the webhook handler's only role in a data account may put an object
 *   under the customer's `raw/` prefix and have S3 make its data key for
 *   exactly that prefix, and read where the bucket is; nothing else;
 * - the webhook handler itself may assume those write-only roles and no
 *   data-access role.
 * Policies are evaluated with test/support/iam-evaluate.ts, not only read.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLE_NAMES, roleArn } from '../../src/config/index.js';
import { POOLED_DATA } from '../../src/contracts/pooled-data.js';
import { allows, type IamRequest, resolveIntrinsic } from '../support/iam-evaluate.js';
import { type SynthesizedOrganization, synthesizeOrganization } from '../support/organizations.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Json = any;

let organizations: SynthesizedOrganization[];
beforeAll(() => {
  organizations = (['example', 'twenty-customers'] as const).map(synthesizeOrganization);
});

const CUSTOMER = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const OTHER = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
const DATA_ACCESS = new Set<string>([ROLE_NAMES.customerDataAccess, POOLED_DATA.dataAccessRole]);
const RAW_WRITERS = new Set<string>([ROLE_NAMES.webhookRawWriter, POOLED_DATA.rawWriterRole]);

interface FoundRole {
  readonly org: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly name: string;
  readonly properties: Json;
  readonly template: Json;
}

const rolesNamed = (names: ReadonlySet<string>): FoundRole[] =>
  organizations.flatMap((org) =>
    org.templates.flatMap((t) =>
      Object.entries(t.template.Resources ?? {}).flatMap(([logicalId, r]: [string, Json]) =>
        r.Type === 'AWS::IAM::Role' && names.has(r.Properties?.RoleName)
          ? [
              {
                org: org.kind,
                stack: t.stackName,
                logicalId,
                name: r.Properties.RoleName,
                properties: r.Properties,
                template: t.template,
              },
            ]
          : [],
      ),
    ),
  );

const sharedComputeAccount = (org: string) =>
  organizations.find((o) => o.kind === org)?.blueprint.sharedCompute.accountId as string;

/** The context of an AssumeRole call by one of the shared compute account's roles. */
const assumeBy = (org: string, roleName: string, tags: Record<string, string> = {}): IamRequest => ({
  action: 'sts:AssumeRole',
  context: {
    'aws:PrincipalArn': roleArn(sharedComputeAccount(org), roleName),
    'aws:PrincipalAccount': sharedComputeAccount(org),
    'aws:PrincipalOrgID': 'o-a1b2c3d4e5',
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    'aws:TagKeys': Object.keys(tags),
  },
});

const trustOf = (role: FoundRole): Json[] => role.properties.AssumeRolePolicyDocument.Statement;
const isPooled = (role: FoundRole) => role.name.startsWith('panops-pooled');
const sessionTags = (role: FoundRole): Record<string, string> =>
  isPooled(role) ? { [POOLED_DATA.sessionTag]: CUSTOMER } : {};

/** Every policy (managed or inline) attached to a role of the same template, by Ref. */
const policiesOf = (role: FoundRole): Json[] =>
  Object.values(role.template.Resources as Record<string, Json>).filter(
    (r) =>
      (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') &&
      (r.Properties.Roles ?? []).some((ref: Json) => ref?.Ref === role.logicalId),
  );

describe('the customers’ data-access roles', () => {
  it('exist in every data account (one per dedicated customer with an account, one pooled)', () => {
    for (const org of organizations) {
      const found = rolesNamed(DATA_ACCESS).filter((r) => r.org === org.kind);
      const customerStacks = org.templates.filter((t) => t.stackName.startsWith('PanOps-Customer-')).length;
      expect(customerStacks, org.kind).toBeGreaterThan(1);
      expect(found.length, org.kind).toBe(customerStacks + 1);
    }
  });

  it('trust the connector and transcription workers, never the webhook handler or the inference service', () => {
    for (const role of rolesNamed(DATA_ACCESS)) {
      const where = `${role.org} ${role.stack} ${role.name}`;
      const trust = trustOf(role);
      const trusted = trust.flatMap((s) => s.Condition?.ArnEquals?.['aws:PrincipalArn'] ?? []).sort();
      expect(trusted, where).toEqual(
        [ROLE_NAMES.connectorWorker, ROLE_NAMES.transcriptionWorker].map((n) =>
          roleArn(sharedComputeAccount(role.org), n),
        ),
      );
      const tags = sessionTags(role);
      expect(allows(trust, assumeBy(role.org, ROLE_NAMES.connectorWorker, tags)), where).toBe(true);
      expect(allows(trust, assumeBy(role.org, ROLE_NAMES.webhookHandler, tags)), where).toBe(false);
      expect(allows(trust, assumeBy(role.org, ROLE_NAMES.inferenceService, tags)), where).toBe(false);
    }
  });
});

describe('the webhook handler’s write-only role in each data account', () => {
  it('exists beside every data-access role', () => {
    expect(rolesNamed(RAW_WRITERS).length).toBe(rolesNamed(DATA_ACCESS).length);
  });

  it('trusts the webhook handler alone (pooled: with a customer session tag, the only tag)', () => {
    for (const role of rolesNamed(RAW_WRITERS)) {
      const where = `${role.org} ${role.stack}`;
      const trust = trustOf(role);
      expect(allows(trust, assumeBy(role.org, ROLE_NAMES.webhookHandler, sessionTags(role))), where).toBe(true);
      for (const other of [ROLE_NAMES.connectorWorker, ROLE_NAMES.transcriptionWorker, ROLE_NAMES.inferenceService])
        expect(allows(trust, assumeBy(role.org, other, sessionTags(role))), `${where} ${other}`).toBe(false);
      if (isPooled(role)) {
        expect(allows(trust, assumeBy(role.org, ROLE_NAMES.webhookHandler)), where).toBe(false);
        expect(
          allows(trust, assumeBy(role.org, ROLE_NAMES.webhookHandler, { [POOLED_DATA.sessionTag]: 'everyone' })),
          where,
        ).toBe(false);
      }
    }
  });

  it('may put under the customer’s raw/ prefix, with a data key for that prefix through S3, and nothing else', () => {
    for (const role of rolesNamed(RAW_WRITERS)) {
      const where = `${role.org} ${role.stack}`;
      expect(role.properties.Policies, where).toBeUndefined();
      expect(role.properties.ManagedPolicyArns, where).toBeUndefined();
      const policies = policiesOf(role);
      expect(policies, where).toHaveLength(1);
      const statements: Json[] = policies[0].Properties.PolicyDocument.Statement;
      const put = statements.find((s) => s.Sid === 'PutRawEventsOnly');
      const bucketArn = resolveIntrinsic(put.Resource).split('/')[0] as string;
      const keyArn = resolveIntrinsic(statements.find((s) => s.Sid === 'DataKeyForRawEventsThroughS3').Resource);
      const prefix = isPooled(role) ? `customers/${CUSTOMER}/` : '';
      const context = {
        ...(isPooled(role) ? { [`aws:PrincipalTag/${POOLED_DATA.sessionTag}`]: CUSTOMER } : {}),
      };
      const raw = `${bucketArn}/${prefix}raw/objects/sha256/ab/ab12`;
      const can = (action: string, resource: string, extra: Record<string, string> = {}) =>
        allows(statements, { action, resource, context: { ...context, ...extra } });
      const viaS3 = (objectArn: string) => ({
        'kms:ViaService': 's3.us-east-1.amazonaws.com',
        'kms:EncryptionContext:aws:s3:arn': objectArn,
      });

      expect(can('s3:PutObject', raw), where).toBe(true);
      expect(can('kms:GenerateDataKey', keyArn, viaS3(raw)), where).toBe(true);
      // Not outside raw/, not another customer's raw/, not a read, a delete, a listing.
      expect(can('s3:PutObject', `${bucketArn}/${prefix}objects/sha256/ab/ab12`), where).toBe(false);
      if (isPooled(role)) expect(can('s3:PutObject', `${bucketArn}/customers/${OTHER}/raw/x`), where).toBe(false);
      for (const action of [
        's3:GetObject',
        's3:GetObjectVersion',
        's3:DeleteObject',
        's3:PutObjectRetention',
        's3:PutObjectAcl',
      ])
        expect(can(action, raw), `${where} ${action}`).toBe(false);
      expect(can('s3:ListBucket', bucketArn), where).toBe(false);
      // The key: no decrypt, no data key for an object outside raw/ or outside S3.
      for (const action of ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:CreateGrant'])
        expect(can(action, keyArn, viaS3(raw)), `${where} ${action}`).toBe(false);
      expect(can('kms:GenerateDataKey', keyArn, viaS3(`${bucketArn}/${prefix}objects/x`)), where).toBe(false);
      expect(
        can('kms:GenerateDataKey', keyArn, {
          'kms:ViaService': 'ssm.us-east-1.amazonaws.com',
          'kms:EncryptionContext:aws:s3:arn': raw,
        }),
        where,
      ).toBe(false);
      expect(can('rds-db:connect', '*'), where).toBe(false);
      // Reads only where to put: two parameters, the archive bucket and key.
      const parameters = statements.find((s) => s.Sid === 'WhereToPut');
      expect(parameters.Action, where).toBe('ssm:GetParameters');
      expect(list(parameters.Resource).map(resolveIntrinsic).join(' '), where).toMatch(
        /^\S*parameter<LocationsarchiveBucket\w+> \S*parameter<LocationsarchiveKeyArn\w+>$/,
      );
      expect(statements.map((s) => s.Sid).sort(), where).toEqual([
        'DataKeyForRawEventsThroughS3',
        'PutRawEventsOnly',
        'WhereToPut',
      ]);
    }
  });

  it('is named in the key policy for data keys of raw/ objects through S3 only', () => {
    for (const role of rolesNamed(RAW_WRITERS)) {
      const keys = Object.values(role.template.Resources as Record<string, Json>).filter(
        (r) => r.Type === 'AWS::KMS::Key',
      );
      const grants = keys.flatMap((k) =>
        (k.Properties.KeyPolicy.Statement as Json[]).filter((s) =>
          list(s.Principal?.AWS).some((p: Json) => p?.['Fn::GetAtt']?.[0] === role.logicalId),
        ),
      );
      expect(grants, role.stack).toHaveLength(1);
      expect(grants[0].Action, role.stack).toBe('kms:GenerateDataKey');
      expect(resolveIntrinsic(grants[0].Condition.StringLike['kms:EncryptionContext:aws:s3:arn']), role.stack).toMatch(
        /^arn:aws:s3:::\*\/(customers\/\$\{aws:PrincipalTag\/panops:customer-id\}\/)?raw\/\*$/,
      );
      expect(grants[0].Condition.StringEquals['kms:ViaService'], role.stack).toBe('s3.us-east-1.amazonaws.com');
    }
  });
});

describe('the webhook handler role itself', () => {
  const webhookPolicies = () =>
    organizations.flatMap((org) =>
      org.templates.flatMap((t) => {
        const webhookRoleIds = Object.entries(t.template.Resources ?? {})
          .filter(
            ([, r]: [string, Json]) =>
              r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === ROLE_NAMES.webhookHandler,
          )
          .map(([id]) => id);
        return Object.values(t.template.Resources ?? {})
          .filter(
            (r: Json) =>
              (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') &&
              (r.Properties.Roles ?? []).some(
                (ref: Json) => ref === ROLE_NAMES.webhookHandler || webhookRoleIds.includes(ref?.Ref),
              ),
          )
          .map((p: Json) => ({
            where: `${org.kind} ${t.stackName}`,
            statements: p.Properties.PolicyDocument.Statement,
          }));
      }),
    );

  it('may assume the write-only raw event roles and no data-access role, and touches no archive itself', () => {
    const policies = webhookPolicies();
    expect(policies.length).toBeGreaterThan(2);
    const assumable = policies.flatMap((p) =>
      (p.statements as Json[])
        .filter((s) => list(s.Action).includes('sts:AssumeRole'))
        .flatMap((s) => list(s.Resource).map(resolveIntrinsic)),
    );
    expect(assumable.length).toBeGreaterThan(0);
    for (const arn of assumable)
      expect(arn).toMatch(/role\/panops-(pooled-)?webhook-raw-writer$|^<RawEventWriterRole\w+\.Arn>$/);
    for (const { where, statements } of policies)
      for (const s of statements as Json[])
        expect(
          list(s.Action).filter((a: string) => a.startsWith('s3:') || a === 'rds-db:connect'),
          where,
        ).toEqual([]);
  });

  it('allows AssumeRole of a dedicated customer’s raw writer, refuses its data-access role (evaluated)', () => {
    const org = organizations.find((o) => o.kind === 'twenty-customers') as SynthesizedOrganization;
    const account = org.blueprint.customers.find((c) => c.tier === 'dedicated' && c.accountId)?.accountId as string;
    const statements = webhookPolicies()
      .filter((p) => p.where.startsWith('twenty-customers'))
      .flatMap((p) => p.statements);
    const assume = (role: string, tags: Record<string, string> = {}) =>
      allows(statements, {
        action: 'sts:AssumeRole',
        resource: roleArn(account, role),
        context: Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
      });
    expect(assume(ROLE_NAMES.webhookRawWriter)).toBe(true);
    expect(assume(ROLE_NAMES.customerDataAccess)).toBe(false);
    const pooledAccount = org.blueprint.pooledData?.accountId as string;
    const pooled = (role: string) =>
      allows(statements, {
        action: 'sts:AssumeRole',
        resource: roleArn(pooledAccount, role),
        context: { [`aws:RequestTag/${POOLED_DATA.sessionTag}`]: CUSTOMER },
      });
    expect(pooled(POOLED_DATA.rawWriterRole)).toBe(true);
    expect(pooled(POOLED_DATA.dataAccessRole)).toBe(false);
  });
});

const list = (value: Json): Json[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
