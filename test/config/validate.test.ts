import { describe, expect, it } from 'vitest';
import type { BlueprintProblem, RawFile } from '../../src/config/index.js';
import { AWS_LIMITS, BlueprintInvalid, validateBlueprint } from '../../src/config/index.js';
import { dedicatedCustomer, organization, pooledCustomer } from './fixtures.js';

const ORG_FILE = 'blueprint/organization.yaml';
const customerFile = (data: { slug: string }, name = `${data.slug}.yaml`): RawFile => ({
  file: `blueprint/customers/${name}`,
  data,
});

/** Validates and returns the problems (empty when the blueprint is valid). */
const problemsOf = (org: unknown, customers: RawFile[]): BlueprintProblem[] => {
  try {
    validateBlueprint({ organization: { file: ORG_FILE, data: org }, customers });
    return [];
  } catch (error) {
    if (error instanceof BlueprintInvalid) return [...error.problems];
    throw error;
  }
};

const only = (problems: BlueprintProblem[]): BlueprintProblem => {
  expect(problems).toHaveLength(1);
  return problems[0] as BlueprintProblem;
};

describe('blueprint validation', () => {
  it('accepts a valid organization with dedicated and pooled customers', () => {
    const c1 = dedicatedCustomer(1);
    const bp = validateBlueprint({
      organization: { file: ORG_FILE, data: organization() },
      customers: [customerFile(c1), customerFile(pooledCustomer(1))],
    });
    expect(bp.customers.map((c) => c.slug)).toEqual(['customer-1', 'pooled-1']);
    expect(bp.customers[0]?.file).toBe('blueprint/customers/customer-1.yaml');
  });

  it('refuses a duplicate customer id, naming the file that first used it', () => {
    const a = dedicatedCustomer(1);
    const b = { ...dedicatedCustomer(2), id: a.id };
    expect(only(problemsOf(organization(), [customerFile(a), customerFile(b)]))).toEqual({
      file: 'blueprint/customers/customer-2.yaml',
      field: 'id',
      value: a.id,
      rule: 'duplicate customer id: already used in blueprint/customers/customer-1.yaml (id)',
    });
  });

  it('refuses a duplicate slug', () => {
    const a = dedicatedCustomer(1);
    const b = { ...dedicatedCustomer(2), slug: a.slug };
    const problems = problemsOf(organization(), [customerFile(a), customerFile(b, 'other.yaml')]);
    expect(problems).toContainEqual({
      file: 'blueprint/customers/other.yaml',
      field: 'slug',
      value: 'customer-1',
      rule: 'duplicate customer slug: already used in blueprint/customers/customer-1.yaml (slug)',
    });
  });

  it('refuses a slug that does not match its file name', () => {
    const a = dedicatedCustomer(1);
    expect(only(problemsOf(organization(), [customerFile(a, 'acme.yaml')]))).toEqual({
      file: 'blueprint/customers/acme.yaml',
      field: 'slug',
      value: 'customer-1',
      rule: 'must match the file name (expected customer-1.yaml)',
    });
  });

  it('refuses a duplicate account id between customers', () => {
    const a = dedicatedCustomer(1);
    const b = { ...dedicatedCustomer(2), accountId: a.accountId };
    expect(only(problemsOf(organization(), [customerFile(a), customerFile(b)]))).toMatchObject({
      file: 'blueprint/customers/customer-2.yaml',
      field: 'accountId',
      value: a.accountId,
      rule: 'duplicate account id: already used in blueprint/customers/customer-1.yaml (accountId)',
    });
  });

  it('refuses a customer account id that is a platform account', () => {
    const a = { ...dedicatedCustomer(1), accountId: '100000000010' };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({
      field: 'accountId',
      rule: `duplicate account id: already used in ${ORG_FILE} (sharedCompute.accountId)`,
    });
  });

  it('refuses platform accounts that share an id', () => {
    const org = organization();
    org.organization.auditAccountId = org.organization.logArchiveAccountId;
    expect(only(problemsOf(org, []))).toEqual({
      file: ORG_FILE,
      field: 'organization.auditAccountId',
      value: '100000000002',
      rule: 'duplicate account id: already used by organization.logArchiveAccountId',
    });
  });

  it('refuses overlapping customer CIDRs', () => {
    const a = dedicatedCustomer(1);
    const b = { ...dedicatedCustomer(2), vpcCidr: '10.16.16.0/24' };
    expect(only(problemsOf(organization(), [customerFile(a), customerFile(b)]))).toEqual({
      file: 'blueprint/customers/customer-2.yaml',
      field: 'vpcCidr',
      value: '10.16.16.0/24',
      rule: 'CIDR overlaps 10.16.16.0/20 of blueprint/customers/customer-1.yaml (vpcCidr); peered VPCs need disjoint ranges',
    });
  });

  it('refuses a customer CIDR that overlaps the shared compute VPC', () => {
    const a = { ...dedicatedCustomer(1), vpcCidr: '10.0.128.0/20' };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'vpcCidr',
      rule: `CIDR overlaps 10.0.0.0/16 of ${ORG_FILE} (sharedCompute.vpcCidr); peered VPCs need disjoint ranges`,
    });
  });

  it.each([
    ['10.16.0.0', 'must be an IPv4 CIDR block such as 10.20.0.0/20'],
    ['10.16.0.300/20', 'must have octets between 0 and 255'],
    ['10.16.0.0/8', 'must have a prefix between /16 and /28 (the VPC limits)'],
    ['10.16.0.1/20', 'must be a network address (host bits set in 10.16.0.1/20)'],
  ])('refuses the invalid CIDR %s', (vpcCidr, rule) => {
    const a = { ...dedicatedCustomer(1), vpcCidr };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'vpcCidr',
      value: vpcCidr,
      rule,
    });
  });

  it.each([
    [{ min: 0.5, max: 16 }, 'database.max', 16],
    [{ min: 0, max: 4 }, 'database.min', 0],
  ])('refuses ACU %j outside 0.5–8 per customer account', (database, field, value) => {
    const a = { ...dedicatedCustomer(1), database };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field,
      value,
      rule: 'ACU must be within 0.5–8 per customer account',
    });
  });

  it('refuses ACU min greater than max', () => {
    const a = { ...dedicatedCustomer(1), database: { min: 4, max: 2 } };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'database',
      value: { min: 4, max: 2 },
      rule: 'ACU min must not exceed max',
    });
  });

  it('refuses an ACU that is not a multiple of 0.5', () => {
    const a = { ...dedicatedCustomer(1), database: { min: 0.5, max: 2.2 } };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({
      field: 'database.max',
      value: 2.2,
      rule: 'must be a multiple of 0.5 ACU',
    });
  });

  it('refuses an unknown Whisper model', () => {
    const a = { ...dedicatedCustomer(1), whisperModel: 'tiny' };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'whisperModel',
      value: 'tiny',
      rule: 'Expected "large-v3" | "medium"',
    });
  });

  it('refuses more dedicated customers than one VPC can peer with, naming the limit', () => {
    const base = organization();
    // A raised route-table quota, so that the peering limit is the only one crossed.
    const org = { ...base, sharedCompute: { ...base.sharedCompute, routeTableQuota: 1000 }, pooledData: undefined };
    const customers = Array.from({ length: AWS_LIMITS.vpcPeeringConnectionsPerVpc + 1 }, (_, i) =>
      customerFile(dedicatedCustomer(i + 1)),
    );
    expect(only(problemsOf(org, customers))).toEqual({
      file: ORG_FILE,
      field: 'sharedCompute.vpcCidr',
      value: 126,
      rule: '126 VPC peering connections would exceed the limit of 125 active peering connections per VPC; set sharedCompute.network.mode: transit-gateway for more customers',
    });
  });

  it('accepts exactly as many peerings as the limit allows', () => {
    const base = organization();
    const org = { ...base, sharedCompute: { ...base.sharedCompute, routeTableQuota: 1000 }, pooledData: undefined };
    const customers = Array.from({ length: AWS_LIMITS.vpcPeeringConnectionsPerVpc }, (_, i) =>
      customerFile(dedicatedCustomer(i + 1)),
    );
    expect(problemsOf(org, customers)).toEqual([]);
  });

  it.each([
    ['12345', 'must be a 12-digit AWS account id (quote it in YAML)'],
    ['12345678901a', 'must be a 12-digit AWS account id (quote it in YAML)'],
  ])('refuses the malformed account id %s', (accountId, rule) => {
    const a = { ...dedicatedCustomer(1), accountId };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'accountId',
      value: accountId,
      rule,
    });
  });

  it('refuses a malformed account email', () => {
    const { accountId: _, ...rest } = dedicatedCustomer(1);
    const a = { ...rest, accountEmail: 'not-an-email' };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'accountEmail',
      value: 'not-an-email',
      rule: 'must be an email address',
    });
  });

  it('refuses a customer id that is not a UUID', () => {
    const a = { ...dedicatedCustomer(1), id: 'acme' };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({ field: 'id', rule: 'must be a UUID' });
  });

  it('refuses a dedicated customer without account, CIDR or database', () => {
    const { accountId: _a, vpcCidr: _v, database: _d, ...rest } = dedicatedCustomer(1);
    const problems = problemsOf(organization(), [customerFile(rest)]);
    expect(problems.map((p) => [p.field, p.rule])).toEqual([
      ['accountId', 'a dedicated customer needs accountId, or accountEmail to create the account'],
      ['vpcCidr', 'a dedicated customer needs its own VPC CIDR'],
      ['database', 'a dedicated customer needs its database ACU range (min, max)'],
    ]);
  });

  it('refuses a pooled customer that names its own VPC CIDR', () => {
    const a = { ...pooledCustomer(1), vpcCidr: '10.40.0.0/20' };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({
      field: 'vpcCidr',
      rule: 'a pooled customer has no VPC of its own (it uses the pooled cluster); remove the field',
    });
  });

  it('refuses object lock on a pooled customer, whose archive shares one bucket', () => {
    const a = { ...pooledCustomer(1), objectLock: { mode: 'COMPLIANCE' } };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({
      field: 'objectLock',
      rule: 'object lock (WORM) is set per bucket and the pooled archive is shared; a customer that needs it must be dedicated',
    });
    const dedicated = { ...dedicatedCustomer(1), objectLock: { mode: 'COMPLIANCE' } };
    expect(problemsOf(organization(), [customerFile(dedicated)])).toEqual([]);
  });

  it('refuses a retention shorter than a COMPLIANCE object lock, naming the file and the field', () => {
    const worm = {
      ...dedicatedCustomer(1),
      retentionDays: 2000,
      retentionByKind: { chat: 365, email: 2557 },
      objectLock: { mode: 'COMPLIANCE', days: 2190 },
    };
    expect(problemsOf(organization(), [customerFile(worm)])).toEqual([
      expect.objectContaining({
        file: 'blueprint/customers/customer-1.yaml',
        field: 'retentionDays',
        value: 2000,
        rule: expect.stringMatching(/shorter than the COMPLIANCE object lock of 2190 days/),
      }),
      expect.objectContaining({ field: 'retentionByKind.chat', value: 365 }),
    ]);
    // The same retentions under GOVERNANCE, or with a lock no longer than them, pass.
    const governance = { ...worm, objectLock: { mode: 'GOVERNANCE', days: 365 } };
    const shortLock = { ...worm, objectLock: { mode: 'COMPLIANCE', days: 365 } };
    expect(problemsOf(organization(), [customerFile(governance)])).toEqual([]);
    expect(problemsOf(organization(), [customerFile(shortLock)])).toEqual([]);
  });

  it('refuses pooled customers when the organization has no pooled cluster', () => {
    const org = { ...organization(), pooledData: undefined };
    expect(only(problemsOf(org, [customerFile(pooledCustomer(1))]))).toEqual({
      file: 'blueprint/customers/pooled-1.yaml',
      field: 'tier',
      value: 'pooled',
      rule: `pooled customers need a pooledData section in ${ORG_FILE}`,
    });
  });

  it('refuses a pooled cluster ACU range outside 0.5–16', () => {
    const org = organization();
    org.pooledData.database.max = 32;
    expect(only(problemsOf(org, []))).toEqual({
      file: ORG_FILE,
      field: 'pooledData.database.max',
      value: 32,
      rule: 'ACU must be within 0.5–16 for the pooled cluster',
    });
  });

  it('refuses a duplicate connector id within a customer', () => {
    const a = {
      ...dedicatedCustomer(1),
      connectors: [
        { id: 'gmail', platform: 'gmail' },
        { id: 'gmail', platform: 'slack', providerAccountId: 'T061EG9R6', scope: { channels: ['C0123456'] } },
      ],
    };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toEqual({
      file: 'blueprint/customers/customer-1.yaml',
      field: 'connectors.1.id',
      value: 'gmail',
      rule: 'duplicate connector id within the customer',
    });
  });

  it('refuses a Slack, Zoom or Teams connector without its provider account id, naming the file and field (#18 item 4)', () => {
    const a = {
      ...dedicatedCustomer(1),
      connectors: [
        { id: 'mail', platform: 'gmail' },
        { id: 'slack', platform: 'slack', scope: { channels: ['C0123456'] } },
        { id: 'zoom', platform: 'zoom', scope: { users: ['me'] } },
        { id: 'teams', platform: 'teams', scope: { teams: ['2f6a9c1e-3b4d-4e5f-8a7b-6c5d4e3f2a1b'] } },
      ],
    };
    const problems = problemsOf(organization(), [customerFile(a)]);
    expect(problems.map((p) => `${p.file} ${p.field}`)).toEqual([
      'blueprint/customers/customer-1.yaml connectors.1.providerAccountId',
      'blueprint/customers/customer-1.yaml connectors.2.providerAccountId',
      'blueprint/customers/customer-1.yaml connectors.3.providerAccountId',
    ]);
    expect(problems[0]?.rule).toMatch(/required for a slack connector: the Slack workspace’s team id/);
    expect(problems[2]?.rule).toMatch(/Entra tenant id/);
  });

  it('refuses a provider account id in the wrong format, and accepts the right ones', () => {
    const withIds = (slack: string, zoom: string, teams: string) => ({
      ...dedicatedCustomer(1),
      connectors: [
        { id: 'slack', platform: 'slack', providerAccountId: slack, scope: { channels: ['C0123456'] } },
        { id: 'zoom', platform: 'zoom', providerAccountId: zoom, scope: { users: ['me'] } },
        { id: 'teams', platform: 'teams', providerAccountId: teams, scope: { users: ['me'] } },
      ],
    });
    expect(
      problemsOf(organization(), [
        customerFile(withIds('T061EG9R6', 'lAAAAAAAAAAAAAAAAAAAAA', '72f988bf-86f1-41af-91ab-2d7cd011db47')),
      ]),
    ).toEqual([]);
    const wrong = problemsOf(organization(), [customerFile(withIds('workspace', 'a b', 'contoso'))]);
    expect(wrong.map((p) => [p.field, p.value])).toEqual([
      ['connectors.0.providerAccountId', 'workspace'],
      ['connectors.1.providerAccountId', 'a b'],
      ['connectors.2.providerAccountId', 'contoso'],
    ]);
  });

  it('refuses a connector whose scheduled poll and reconcile would not know what to list, naming the file and field (#19 item 5)', () => {
    const a = {
      ...dedicatedCustomer(1),
      connectors: [
        { id: 'mail', platform: 'gmail' },
        { id: 'slack', platform: 'slack', providerAccountId: 'T061EG9R6' },
        { id: 'zoom', platform: 'zoom', providerAccountId: 'lAAAAAAAAAAAAAAAAAAAAA' },
        { id: 'teams', platform: 'teams', providerAccountId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
        { id: 'm365', platform: 'm365' },
        { id: 'sms', platform: 'twilio' },
      ],
    };
    const problems = problemsOf(organization(), [customerFile(a)]);
    expect(problems.map((p) => p.field)).toEqual([
      'connectors.1.scope',
      'connectors.2.scope',
      'connectors.3.scope',
      'connectors.4.scope',
      'connectors.5.providerAccountId',
    ]);
    expect(problems[0]?.file).toBe('blueprint/customers/customer-1.yaml');
    expect(problems[0]?.rule).toMatch(/a slack connector needs scope\.channels: Slack lists messages per channel/);
    expect(problems[2]?.rule).toMatch(/needs scope\.users and\/or scope\.teams/);
    expect(problems[3]?.rule).toMatch(/needs scope\.mailbox/);
    expect(problems[4]?.rule).toMatch(/Twilio account SID/);
  });

  it('refuses a scope its platform cannot list by, an empty list and a malformed account SID; accepts every documented scope', () => {
    const withScopes = (twilioSid: string, slackScope: Record<string, unknown>) => ({
      ...dedicatedCustomer(1),
      connectors: [
        { id: 'mail', platform: 'gmail', scope: { mailbox: 'ada@example.com' } },
        { id: 'slack', platform: 'slack', providerAccountId: 'T061EG9R6', scope: slackScope },
        { id: 'm365', platform: 'm365', scope: { mailbox: 'journal@example.com', folders: ['AAMk1'] } },
        { id: 'sms', platform: 'twilio', providerAccountId: twilioSid },
      ],
    });
    expect(
      problemsOf(organization(), [
        customerFile(withScopes('AC0123456789abcdef0123456789abcdef', { channels: ['C0123456', 'G0123456'] })),
      ]),
    ).toEqual([]);
    const wrong = problemsOf(organization(), [
      customerFile(withScopes('AC123', { channels: ['C0123456'], users: ['U1'] })),
    ]);
    expect(wrong.map((p) => [p.field, p.rule])).toEqual([
      ['connectors.1.scope.users', 'a slack connector does not list by users (it takes channels)'],
      ['connectors.3.providerAccountId', 'must be a Twilio account SID: AC followed by 32 hex digits'],
    ]);
    const empty = problemsOf(organization(), [
      customerFile(withScopes('AC0123456789abcdef0123456789abcdef', { channels: [] })),
    ]);
    expect(empty.map((p) => p.field)).toEqual(['connectors.1.scope.channels']);
  });

  it('refuses unknown fields, so a typo is never silently ignored', () => {
    const a = { ...dedicatedCustomer(1), retentionDay: 30 };
    expect(only(problemsOf(organization(), [customerFile(a)]))).toMatchObject({
      field: 'retentionDay',
      rule: 'Expected no excess property',
    });
  });

  it('refuses a home region outside the governed regions', () => {
    const org = organization();
    org.organization.governedRegions = ['eu-west-1'];
    expect(only(problemsOf(org, []))).toMatchObject({
      field: 'organization.governedRegions',
      rule: 'must include the home region us-east-1',
    });
  });

  it('reports every problem of every file at once', () => {
    const org = organization();
    org.sharedCompute.accountId = 'abc';
    const a = { ...dedicatedCustomer(1), whisperModel: 'tiny', database: { min: 4, max: 2 } };
    const b = { ...dedicatedCustomer(2), id: a.id, vpcCidr: a.vpcCidr };
    const problems = problemsOf(org, [customerFile(a), customerFile(b)]);
    expect(problems.map((p) => `${p.file}#${p.field}`).sort()).toEqual(
      [
        `${ORG_FILE}#sharedCompute.accountId`,
        'blueprint/customers/customer-1.yaml#whisperModel',
        'blueprint/customers/customer-1.yaml#database',
        'blueprint/customers/customer-2.yaml#id',
        'blueprint/customers/customer-2.yaml#vpcCidr',
      ].sort(),
    );
  });

  it('formats the error message with file, field, value and rule on one line each', () => {
    const a = { ...dedicatedCustomer(1), whisperModel: 'tiny' };
    const error = (() => {
      try {
        validateBlueprint({ organization: { file: ORG_FILE, data: organization() }, customers: [customerFile(a)] });
      } catch (e) {
        return e as BlueprintInvalid;
      }
      throw new Error('expected the blueprint to be refused');
    })();
    expect(error.message).toBe(
      'The blueprint is invalid (1 problem):\n  - blueprint/customers/customer-1.yaml: whisperModel = "tiny": Expected "large-v3" | "medium"',
    );
  });
});
