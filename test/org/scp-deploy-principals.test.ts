import { beforeAll, describe, expect, it } from 'vitest';
import { ROLE_NAMES } from '../../src/config/index.js';
import type { ScpTarget } from '../../src/org/layout.js';
import {
  BREAK_GLASS_EXEMPT_STATEMENTS,
  DEPLOY_PRINCIPALS,
  type DeployPrincipal,
  roleArnPattern,
} from '../../src/org/scp/deploy-principals.js';
import { loadScpDocuments, type PolicyStatement, type ScpDocument } from '../../src/org/scp/scp-documents.js';
import { denyingStatements, type ScpRequest, statementApplies } from '../../src/org/scp/scp-evaluation.js';
import { exampleBlueprint } from './fixtures.js';

const blueprint = exampleBlueprint();
const governed = blueprint.organization.homeRegion;
const ungoverned = 'ap-southeast-2';
let scps: ScpDocument[];
beforeAll(() => {
  scps = loadScpDocuments(blueprint);
});

/** A concrete role ARN in a member account that the role-name pattern matches. */
const arnOf = (roleName: string) => `arn:aws:iam::200000000001:role/${roleName.replace('*', 'a1b2c3d4')}`;
/** The SCPs in force in an account of the target: the root's and the target's own. */
const inForce = (target: ScpTarget) => scps.filter((d) => d.targets.includes('root') || d.targets.includes(target));
const request = (principalArn: string, call: { action: string; region: string }): ScpRequest => ({
  action: call.action,
  context: {
    'aws:PrincipalArn': principalArn,
    'aws:RequestedRegion': call.region === 'governed' ? governed : ungoverned,
    'aws:SecureTransport': 'true',
  },
});
const exempted = (s: PolicyStatement): string[] =>
  [...((s.Condition?.ArnNotLike?.['aws:PrincipalArn'] as readonly string[] | undefined) ?? [])].sort();
/** Whether a deploy principal calls something the statement denies, where the statement is attached. */
const needsExemption = (p: DeployPrincipal, doc: ScpDocument, s: PolicyStatement) =>
  (doc.targets.includes('root') || doc.targets.some((t) => p.actsIn.includes(t))) &&
  p.calls.some((call) => statementApplies(s, request('arn:aws:iam::200000000001:role/someone-else', call)));

describe('SCPs do not block the deploy', () => {
  it.each(DEPLOY_PRINCIPALS.map((p) => [p.id, p] as const))(
    '%s: none of its deploy-time calls is denied in any account it acts in',
    (_, principal) => {
      const denied = principal.actsIn.flatMap((target) =>
        principal.calls.flatMap((call) =>
          denyingStatements(
            inForce(target).map((d) => d.content),
            request(arnOf(principal.roleName), call),
          ).map((sid) => `${target}: ${call.action} (${call.region}) denied by ${sid}`),
        ),
      );
      expect(denied).toEqual([]);
    },
  );

  it('every Deny exempts exactly the deploy principals that call one of its actions where it is attached (and break-glass where documented)', () => {
    const mismatches = scps.flatMap((doc) =>
      doc.content.Statement.filter((s) => s.Effect === 'Deny').flatMap((s) => {
        const expected = [
          ...DEPLOY_PRINCIPALS.filter((p) => needsExemption(p, doc, s)).map((p) => roleArnPattern(p.roleName)),
          ...(BREAK_GLASS_EXEMPT_STATEMENTS.includes(s.Sid) ? [roleArnPattern(ROLE_NAMES.breakGlass)] : []),
        ].sort();
        const actual = exempted(s);
        return JSON.stringify(actual) === JSON.stringify(expected)
          ? []
          : [`${doc.file} ${s.Sid}: exempts ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`];
      }),
    );
    expect(mismatches).toEqual([]);
  });

  it('exempts principals only by aws:PrincipalArn: any other role is still denied what the deploy principals may do', () => {
    const admin = 'arn:aws:iam::200000000001:role/AWSReservedSSO_AdministratorAccess_0123456789abcdef';
    const root = inForce('customers').map((d) => d.content);
    const denied = (action: string, region = governed) =>
      denyingStatements(root, {
        action,
        context: { 'aws:PrincipalArn': admin, 'aws:RequestedRegion': region, 'aws:SecureTransport': 'true' },
      });
    expect(denied('s3:PutBucketPublicAccessBlock')).toEqual(['DenyPublicAccessBlockChangesOutsideDeploys']);
    expect(denied('rds:ModifyDBCluster')).toEqual(['DenyAuroraClusterChangesOutsideDeploys']);
    expect(denied('cloudtrail:DeleteTrail')).toEqual(['DenyDeletingTrailsOutsideFailedCreates']);
    expect(denied('cloudtrail:StopLogging')).toEqual(['DenyStoppingTrails']);
    expect(denied('cloudtrail:PutEventSelectors')).toEqual(['DenyAlteringTrailsOutsideDeploys']);
    expect(denied('kms:ScheduleKeyDeletion')).toEqual(['DenyDisablingOrDeletingCustomerKeys']);
    expect(denied('ec2:RunInstances', ungoverned)).toEqual(['DenyRegionsOutsideTheGovernedRegions']);
    expect(denied('iam:CreateRole', ungoverned)).toEqual([]);
    // The deploy role is no baseline role: it cannot deploy into a quarantined account.
    const quarantined = inForce('quarantine').map((d) => d.content);
    expect(
      denyingStatements(
        quarantined,
        request(arnOf(ROLE_NAMES.deploy), { action: 's3:CreateBucket', region: 'governed' }),
      ),
    ).toEqual(['DenyEverythingUntilTheBaselineIsApplied']);
  });
});

describe('the SCP evaluator the checks above rest on', () => {
  const statement = (s: Partial<PolicyStatement>): PolicyStatement =>
    ({ Sid: 'S', Effect: 'Deny', Resource: '*', ...s }) as PolicyStatement;
  const ctx = (context: Record<string, string>, action = 's3:PutObject'): ScpRequest => ({ action, context });

  it('matches actions with wildcards, case-insensitively, and NotAction as its complement', () => {
    expect(statementApplies(statement({ Action: 's3:Put*' }), ctx({}, 'S3:PUTOBJECT'))).toBe(true);
    expect(statementApplies(statement({ Action: 's3:Get*' }), ctx({}))).toBe(false);
    expect(statementApplies(statement({ NotAction: ['iam:*'] }), ctx({}, 'iam:CreateRole'))).toBe(false);
    expect(statementApplies(statement({ NotAction: ['iam:*'] }), ctx({}, 'ec2:RunInstances'))).toBe(true);
  });

  it('reads an absent key as false for a positive operator and true for a negated one', () => {
    expect(
      statementApplies(
        statement({ Action: '*', Condition: { StringEquals: { 's3:x-amz-acl': 'public-read' } } }),
        ctx({}),
      ),
    ).toBe(false);
    expect(
      statementApplies(statement({ Action: '*', Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:*' } } }), ctx({})),
    ).toBe(true);
    expect(
      statementApplies(
        statement({
          Action: '*',
          Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:role/a-*', 'arn:aws:iam::*:role/b'] } },
        }),
        ctx({ 'aws:PrincipalArn': 'arn:aws:iam::1:role/a-x' }),
      ),
    ).toBe(false);
  });

  it('refuses a condition operator it does not implement instead of reading it as no match', () => {
    expect(() =>
      statementApplies(
        statement({ Action: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } } }),
        ctx({}),
      ),
    ).toThrow(/DateLessThan is not understood/);
  });
});
