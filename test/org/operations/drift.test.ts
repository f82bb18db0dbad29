import { AccessDeniedException } from '@aws-sdk/client-organizations';
import { Effect } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { guardRuleFor, parseControlCatalog } from '../../../src/org/control-tower/control-catalog.js';
import { planOrganization } from '../../../src/org/layout.js';
import { detectDrift, formatDriftReport } from '../../../src/org/operations/drift.js';
import { loadScpDocuments } from '../../../src/org/scp/scp-documents.js';
import { exampleBlueprint } from '../fixtures.js';
import { FakeOrganization } from './fake-organization.js';

const blueprint = exampleBlueprint();
const layout = planOrganization(blueprint);
const documents = loadScpDocuments(blueprint);
const catalog = parseControlCatalog(
  {
    controls: [
      {
        id: 'CT.S3.PR.1',
        guardRule: guardRuleFor('CT.S3.PR.1'),
        ous: ['Customers', 'Infrastructure'],
        controlIdentifier: 'arn:aws:controlcatalog:::control/testctsprone',
        source: 'test fixture',
      },
      { id: 'CT.SQS.PR.1', guardRule: 'ct-sqs-pr-1', ous: ['Infrastructure'], controlIdentifier: null },
    ],
  },
  'fixture.json',
);

let org: FakeOrganization;
const run = (fake: FakeOrganization) => {
  org = fake.install();
  return Effect.runPromise(detectDrift({ layout, documents, catalog }).pipe(Effect.provide(fake.layers())));
};
const matching = () => FakeOrganization.matching(layout, documents, catalog);

afterEach(() => org?.restore());

describe('drift', () => {
  it('finds none when the organization matches the blueprint, reading every page of every list', async () => {
    const report = await run(matching());
    expect(report.drifts).toEqual([]);
    expect(report.unresolvedControls).toEqual(['CT.SQS.PR.1 on Infrastructure']);
    // Seven PanOps SCPs and FullAWSAccess at two a page: four pages.
    expect(org.calls.get('ListPolicies')).toBe(4);
    expect(formatDriftReport(report)).toMatch(/^No drift/);
  });

  it('reports a missing OU', async () => {
    const fake = matching();
    const quarantine = fake.ouNamed('Quarantine');
    fake.ous = fake.ous.filter((o) => o !== quarantine);
    fake.policies = fake.policies.map((p) => ({ ...p, targets: p.targets.filter((t) => t !== quarantine.id) }));
    const report = await run(fake);
    // The quarantine SCP has nowhere to be attached: the missing OU is the one drift.
    expect(report.drifts).toEqual([
      { kind: 'ou-missing', subject: 'OU Quarantine', expected: 'under the root', actual: 'absent' },
    ]);
  });

  it('reports an SCP whose content was edited outside the blueprint', async () => {
    const fake = matching();
    const policy = fake.policies.find((p) => p.Name === 'panops-protect-customer-kms-keys');
    if (!policy) throw new Error('fixture');
    policy.Content = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    const report = await run(fake);
    expect(report.drifts).toEqual([
      {
        kind: 'scp-content',
        subject: 'SCP panops-protect-customer-kms-keys',
        expected: 'policies/scp/protect-customer-kms-keys.json',
        actual: 'content differs from the document',
      },
    ]);
  });

  it('reports an SCP detached from its target and attached somewhere else, and an unknown PanOps SCP', async () => {
    const fake = matching();
    const igw = fake.policies.find((p) => p.Name === 'panops-deny-internet-gateways');
    if (!igw) throw new Error('fixture');
    igw.targets = [fake.ouNamed('Infrastructure').id];
    fake.policies.push({ Id: 'p-stray0001', Name: 'panops-hand-made', Content: '{}', targets: [] });
    const report = await run(fake);
    expect(report.drifts.map((d) => `${d.kind} ${d.subject}`).sort()).toEqual([
      'scp-extra-attachment SCP panops-deny-internet-gateways',
      'scp-not-attached SCP panops-deny-internet-gateways',
      'scp-unexpected SCP panops-hand-made',
    ]);
  });

  it('reports a reviewed control that is not enabled on an OU (and does not check pending ones)', async () => {
    const fake = matching();
    fake.enabledControls.set(fake.ouArn(fake.ouNamed('Customers-1').id), []);
    const report = await run(fake);
    expect(report.drifts).toEqual([
      {
        kind: 'control-not-enabled',
        subject: 'CT.S3.PR.1 on OU Customers-1',
        expected: 'enabled (arn:aws:controlcatalog:::control/testctsprone)',
        actual: 'not enabled',
      },
    ]);
  });

  it('reports an account in the wrong OU and an account missing from the organization', async () => {
    const fake = matching();
    const customer = fake.accounts.find((a) => a.Id === '200000000001');
    if (!customer) throw new Error('fixture');
    customer.parentId = fake.ouNamed('Infrastructure').id;
    fake.accounts = fake.accounts.filter((a) => a.Id !== blueprint.sharedCompute.accountId);
    const report = await run(fake);
    expect(report.drifts).toEqual([
      {
        kind: 'account-missing',
        subject: 'account Shared Compute (100000000010)',
        expected: 'in OU Infrastructure',
        actual: 'not in the organization',
      },
      {
        kind: 'account-misplaced',
        subject: 'account Customer 1 (200000000001)',
        expected: 'in OU Customers-1',
        actual: 'in OU Infrastructure',
      },
    ]);
    expect(formatDriftReport(report)).toContain('2 drifts from the blueprint:');
  });

  it('expects an account still to be vended in Quarantine once it exists', async () => {
    const fake = matching();
    fake.accounts.push({
      Id: '300000000099',
      Email: 'AWS+customer-2@panops.example',
      Name: 'x',
      parentId: fake.rootId,
    });
    const report = await run(fake);
    expect(report.drifts).toEqual([
      expect.objectContaining({ kind: 'account-misplaced', expected: 'in OU Quarantine', actual: 'in the root' }),
    ]);
  });

  it('retries throttled calls with backoff and still completes', async () => {
    const fake = matching();
    fake.throttle.set('ListOrganizationalUnitsForParent', 3);
    fake.throttle.set('ListEnabledControls', 2);
    const report = await run(fake);
    expect(report.drifts).toEqual([]);
    expect(fake.calls.get('ListRoots')).toBe(1);
  });

  it('fails at once with a typed error on access denied, naming the call', async () => {
    const fake = matching().install();
    org = fake;
    fake.orgMock
      .on((await import('@aws-sdk/client-organizations')).ListPoliciesCommand)
      .rejects(
        new AccessDeniedException({ message: 'You don’t have permissions to access this resource.', $metadata: {} }),
      );
    const error = await Effect.runPromise(
      detectDrift({ layout, documents, catalog }).pipe(Effect.flip, Effect.provide(fake.layers())),
    );
    expect(error._tag).toBe('AwsAccessDenied');
    expect(error.message).toMatch(/Access denied to organizations:ListPolicies/);
    expect(fake.calls.get('ListPolicies') ?? 0).toBe(0);
  });
});
