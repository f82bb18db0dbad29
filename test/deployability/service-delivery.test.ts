import { beforeAll, describe, expect, it } from 'vitest';
import { ORGANIZATION_KINDS, type SynthesizedOrganization, synthesizeOrganization } from '../support/organizations.js';
import { policyAllows, refusedDeliveries } from '../support/service-delivery.js';

let organizations: SynthesizedOrganization[];
beforeAll(() => {
  organizations = ORGANIZATION_KINDS.map(synthesizeOrganization);
});

const stackEnv = (org: SynthesizedOrganization, stackName: string) => {
  const stack = org.stacks.organization.node.root.node
    .findAll()
    .find((c) => (c as { stackName?: string }).stackName === stackName) as
    | { account: string; region: string }
    | undefined;
  // An account still to be vended synthesizes account-agnostic: stand in an id.
  const account = stack && !stack.account.startsWith('${') ? stack.account : '123456789012';
  return { account, region: stack?.region ?? '' };
};

describe('service principals can write where the stacks send them', () => {
  it('every trail, server access log, flow log and encrypted log group is allowed by its bucket and key policies', () => {
    const refused = organizations.flatMap((org) =>
      org.templates.flatMap((t) => {
        const { account, region } = stackEnv(org, t.stackName);
        return refusedDeliveries(t.template, account, region).map((r) => `${org.kind} ${t.stackName}: ${r}`);
      }),
    );
    expect(refused).toEqual([]);
  });

  it('checks what it claims: trails, flow logs to S3, server access logs and encrypted log groups exist in the templates', () => {
    const types = new Set(
      organizations.flatMap((org) =>
        org.templates.flatMap((t) =>
          Object.values(
            t.template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
          ).flatMap((r) => [
            r.Type,
            ...(r.Properties?.LoggingConfiguration ? ['server-access-logs'] : []),
            ...(r.Properties?.LogDestinationType === 's3' ? ['flow-log-to-s3'] : []),
          ]),
        ),
      ),
    );
    for (const type of ['AWS::CloudTrail::Trail', 'server-access-logs', 'flow-log-to-s3', 'AWS::Logs::LogGroup'])
      expect(types.has(type), type).toBe(true);
  });

  it('refuses a request a policy does not grant, and one a Deny catches', () => {
    const allowTrail = {
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: { StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:*:1:trail/*' } },
    };
    const request = (action: string, context: Record<string, string>) => ({
      service: 'cloudtrail.amazonaws.com',
      action,
      resource: 'arn:aws:kms:us-east-1:1:key/k',
      context,
    });
    const ctx = { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:aws:cloudtrail:us-east-1:1:trail/t' };
    expect(policyAllows({ Statement: [allowTrail] }, request('kms:GenerateDataKey', ctx))).toBe(true);
    // DescribeKey under an encryption-context condition: never granted (the request has no context).
    expect(
      policyAllows(
        { Statement: [{ ...allowTrail, Action: ['kms:GenerateDataKey*', 'kms:DescribeKey'] }] },
        request('kms:DescribeKey', {}),
      ),
    ).toBe(false);
    const denyPlainHttp = {
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    expect(
      policyAllows(
        { Statement: [allowTrail, denyPlainHttp] },
        request('kms:GenerateDataKey', { ...ctx, 'aws:SecureTransport': 'false' }),
      ),
    ).toBe(false);
  });
});
