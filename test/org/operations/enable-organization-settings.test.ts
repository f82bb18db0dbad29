import { ActivateOrganizationsAccessCommand, CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { EnableSharingWithAwsOrganizationCommand, RAMClient } from '@aws-sdk/client-ram';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect, Result } from 'effect';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Blueprint, validateBlueprint } from '../../../src/config/index.js';
import {
  type EnableOptions,
  enableOrganizationSettings,
} from '../../../src/org/operations/enable-organization-settings.js';
import { dedicatedCustomer, organization } from '../../config/fixtures.js';
import { type Moto, startMoto } from '../../support/moto.js';

/**
 * deploy's first step at the wire: Organizations (roots, policy types,
 * enabled service principals) in moto_server. moto has no CloudFormation
 * ActivateOrganizationsAccess and its RAM EnableSharingWithAwsOrganization
 * leaves Organizations untouched, so those two calls go through
 * aws-sdk-client-mock, answering as AWS documents them: each enables its
 * service principal in the organization (member.org.stacksets.cloudformation.amazonaws.com,
 * ram.amazonaws.com), which the step then reads back from moto.
 */
const blueprintFor = (mode: 'peering' | 'transit-gateway'): Blueprint => {
  const org = organization() as ReturnType<typeof organization> & { sharedCompute: Record<string, unknown> };
  if (mode === 'transit-gateway')
    org.sharedCompute.network = { mode: 'transit-gateway', customerRanges: ['10.16.0.0/12'] };
  return validateBlueprint({
    organization: { file: 'organization.yaml', data: org },
    customers: [{ file: 'customers/customer-1.yaml', data: dedicatedCustomer(1) }],
  });
};
const TRANSIT = blueprintFor('transit-gateway');
const PEERING = blueprintFor('peering');

let moto: Moto;
let organizations: OrganizationsClient;
let rootId: string;
const cfnMock = mockClient(CloudFormationClient);
const ramMock = mockClient(RAMClient);

const enablePrincipal = (ServicePrincipal: string) =>
  organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal })).then(() => ({}));

beforeAll(async () => {
  moto = await startMoto();
}, 120_000);
afterAll(async () => {
  cfnMock.restore();
  ramMock.restore();
  await moto?.close();
});

beforeEach(async () => {
  await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  organizations = new OrganizationsClient(moto.client);
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  cfnMock.reset();
  ramMock.reset();
  cfnMock
    .on(ActivateOrganizationsAccessCommand)
    .callsFake(() => enablePrincipal('member.org.stacksets.cloudformation.amazonaws.com'));
  ramMock.on(EnableSharingWithAwsOrganizationCommand).callsFake(async () => {
    await enablePrincipal('ram.amazonaws.com');
    return { returnValue: true };
  });
});

const run = (blueprint: Blueprint, options: EnableOptions = {}) =>
  Effect.runPromise(
    enableOrganizationSettings(
      blueprint,
      {
        organizations,
        cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
        ram: new RAMClient({ region: 'us-east-1' }),
      },
      { pollBase: '10 millis', pollTimeout: '2 seconds', ...options },
    ).pipe(Effect.result),
  );

const principals = async () =>
  ((await organizations.send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals ?? []).map(
    (p) => p.ServicePrincipal,
  );

describe('deploy enables the one-time organization settings', () => {
  it('enables StackSets trusted access, the SCP policy type and (transit-gateway mode) RAM sharing when they are off', async () => {
    const result = await run(TRANSIT);
    expect(Result.isSuccess(result) && result.success.map((o) => [o.id, o.state])).toEqual([
      ['stacksets-trusted-access', 'enabled'],
      ['scp-policy-type', 'enabled'],
      ['ram-organization-sharing', 'enabled'],
    ]);
    const root = (await organizations.send(new ListRootsCommand({}))).Roots?.[0];
    expect(root?.PolicyTypes).toContainEqual({ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' });
    expect(await principals()).toEqual(
      expect.arrayContaining(['member.org.stacksets.cloudformation.amazonaws.com', 'ram.amazonaws.com']),
    );
    expect(cfnMock.commandCalls(ActivateOrganizationsAccessCommand)).toHaveLength(1);
    expect(ramMock.commandCalls(EnableSharingWithAwsOrganizationCommand)).toHaveLength(1);
  }, 60_000);

  it('is idempotent: a second run finds everything enabled and changes nothing', async () => {
    await run(TRANSIT);
    cfnMock.resetHistory();
    ramMock.resetHistory();
    const again = await run(TRANSIT);
    expect(Result.isSuccess(again) && again.success.every((o) => o.state === 'already')).toBe(true);
    expect(cfnMock.commandCalls(ActivateOrganizationsAccessCommand)).toHaveLength(0);
    expect(ramMock.commandCalls(EnableSharingWithAwsOrganizationCommand)).toHaveLength(0);
  }, 60_000);

  it('does not touch RAM in peering mode', async () => {
    const result = await run(PEERING);
    expect(Result.isSuccess(result) && result.success.map((o) => o.id)).toEqual([
      'stacksets-trusted-access',
      'scp-policy-type',
    ]);
    expect(ramMock.commandCalls(EnableSharingWithAwsOrganizationCommand)).toHaveLength(0);
  }, 60_000);

  it('asked not to change settings, refuses with the exact commands to run', async () => {
    const result = await run(TRANSIT, { refuse: true });
    expect(Result.isFailure(result)).toBe(true);
    const error = Result.isFailure(result) ? result.failure : undefined;
    expect(error?._tag).toBe('OrganizationSettingsNotEnabled');
    expect(error?.message).toContain('aws cloudformation activate-organizations-access --region us-east-1');
    expect(error?.message).toContain(
      `aws organizations enable-policy-type --root-id ${rootId} --policy-type SERVICE_CONTROL_POLICY`,
    );
    expect(error?.message).toContain('aws ram enable-sharing-with-aws-organization --region us-east-1');
    expect(cfnMock.commandCalls(ActivateOrganizationsAccessCommand)).toHaveLength(0);
  }, 60_000);

  it('refuses with the command when the caller may not enable a setting', async () => {
    cfnMock.on(ActivateOrganizationsAccessCommand).rejects(
      Object.assign(new Error('not authorized to perform cloudformation:ActivateOrganizationsAccess'), {
        name: 'AccessDeniedException',
      }),
    );
    const result = await run(PEERING);
    const error = Result.isFailure(result) ? result.failure : undefined;
    expect(error?._tag).toBe('OrganizationSettingsNotEnabled');
    expect(error?.message).toContain('aws cloudformation activate-organizations-access');
  }, 60_000);

  it('times out with a typed error when an enabled setting never takes effect', async () => {
    // Answers success but the organization never shows the principal.
    cfnMock.on(ActivateOrganizationsAccessCommand).resolves({});
    const result = await run(PEERING, { pollBase: '10 millis', pollTimeout: '200 millis' });
    const error = Result.isFailure(result) ? result.failure : undefined;
    expect(error?._tag).toBe('OrganizationSettingTimedOut');
    expect(error?.message).toContain('stacksets-trusted-access');
  }, 60_000);
});
