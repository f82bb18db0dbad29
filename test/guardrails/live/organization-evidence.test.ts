import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfigServiceClient,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import { ControlTowerClient } from '@aws-sdk/client-controltower';
import {
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AccountAccess, organizationAccess } from '../../../src/guardrails/evidence/live/accounts.js';
import { configDetectiveSource } from '../../../src/guardrails/evidence/live/config-detective.js';
import { controlTowerSource, type EnabledControlState } from '../../../src/guardrails/evidence/live/control-tower.js';
import type { LiveCheck } from '../../../src/guardrails/evidence/live/model.js';
import { guardRuleFor, parseControlCatalog } from '../../../src/org/control-tower/control-catalog.js';
import { planOrganization } from '../../../src/org/layout.js';
import { exampleBlueprint } from '../../org/fixtures.js';
import { type Moto, startMoto } from '../../support/moto.js';
import { MEMBER } from './fixture.js';

const MANAGEMENT = '123456789012';
const S3_PR_1 = 'arn:aws:controlcatalog:::control/testctsprone';
const SQS_PR_1 = 'arn:aws:controlcatalog:::control/testctsqsprone';
const layout = planOrganization(exampleBlueprint());
const catalog = parseControlCatalog(
  {
    controls: [
      {
        id: 'CT.S3.PR.1',
        guardRule: guardRuleFor('CT.S3.PR.1'),
        ous: ['Customers', 'Infrastructure'],
        controlIdentifier: S3_PR_1,
        source: 'test fixture',
      },
      // Resolved at deploy from the Control Catalog: the live run resolves it the same way.
      { id: 'CT.SQS.PR.1', guardRule: 'ct-sqs-pr-1', ous: ['Infrastructure'], controlIdentifier: null },
      { id: 'CT.KMS.PR.1', guardRule: 'ct-kms-pr-1', ous: ['Infrastructure'], controlIdentifier: null },
    ],
  },
  'fixture.json',
);

let moto: Moto;
let organizations: OrganizationsClient;
/** Live OU name → ARN, as the emulator created them from the layout. */
const ouArns = new Map<string, string>();

/**
 * Control Tower on the wire: a local server answering ListEnabledControls
 * (POST /list-enabled-controls) as the service does today, status and drift
 * included, for the 3.332 client this registry serves.
 */
let enabled: Map<string, EnabledControlState[]>;
let controlTowerServer: Server;
let controlTower: ControlTowerClient;

beforeAll(async () => {
  moto = await startMoto();
  organizations = new OrganizationsClient(moto.client);
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const { Roots } = await organizations.send(new ListRootsCommand({}));
  const ids = new Map<string, string>([['root', Roots?.[0]?.Id ?? '']]);
  for (const ou of layout.ous) {
    const created = await organizations.send(
      new CreateOrganizationalUnitCommand({ ParentId: ids.get(ou.parent) ?? '', Name: ou.name }),
    );
    ids.set(ou.key, created.OrganizationalUnit?.Id ?? '');
    ouArns.set(ou.name, created.OrganizationalUnit?.Arn ?? '');
  }
  controlTowerServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/list-enabled-controls') {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ message: `no ${req.url}` }));
        return;
      }
      const { targetIdentifier } = JSON.parse(body) as { targetIdentifier: string };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ enabledControls: enabled.get(targetIdentifier) ?? [] }));
    });
  });
  await new Promise<void>((resolve) => controlTowerServer.listen(0, '127.0.0.1', resolve));
  const { port } = controlTowerServer.address() as AddressInfo;
  controlTower = new ControlTowerClient({ ...moto.client, endpoint: `http://127.0.0.1:${port}` });
}, 60_000);
afterAll(async () => {
  controlTower?.destroy();
  organizations?.destroy();
  await new Promise((resolve) => controlTowerServer?.close(resolve));
  await moto?.close();
});

const state = (controlIdentifier: string, status = 'SUCCEEDED', driftStatus = 'IN_SYNC'): EnabledControlState => ({
  controlIdentifier,
  arn: `arn:aws:controltower:us-east-1:${MANAGEMENT}:enabledcontrol/${controlIdentifier.slice(-6)}`,
  statusSummary: { status },
  driftStatusSummary: { driftStatus },
});

/** Every control the catalog wants, enabled and SUCCEEDED on every OU of its role. */
const everythingEnabled = () => {
  const map = new Map<string, EnabledControlState[]>();
  for (const ou of layout.ous) {
    if (!ou.controlRole) continue;
    const wanted = catalog.controls.filter((c) => c.ous.includes(ou.controlRole as never));
    map.set(
      ouArns.get(ou.name) ?? '',
      wanted.map((c) => state(c.controlIdentifier ?? (c.id === 'CT.SQS.PR.1' ? SQS_PR_1 : 'unused'))),
    );
  }
  return map;
};

const runControlTower = (resolved: ReadonlyMap<string, string>) =>
  controlTowerSource({
    layout,
    catalog,
    resolvedIdentifiers: resolved,
    organizations,
    controlTower,
    managementAccount: MANAGEMENT,
    homeRegion: 'us-east-1',
    guardrailsOf: (id) => (id === 'CT.S3.PR.1' ? ['no-public-s3'] : []),
  }).checks(organizationAccess({ client: moto.client }));

const customersShards = layout.ous.filter((ou) => ou.controlRole === 'Customers').map((ou) => ou.name);

describe('Control Tower enabled controls per OU (Organizations on moto_server, Control Tower on a local wire server)', () => {
  it('agreement: every control enabled with status SUCCEEDED on every OU of its role', async () => {
    enabled = everythingEnabled();
    const checks = await runControlTower(new Map([['CT.SQS.PR.1', SQS_PR_1]]));
    const kms = checks.filter((c) => c.subject.startsWith('CT.KMS.PR.1'));
    // CT.KMS.PR.1's identifier is neither recorded nor resolved: not checked, and said so.
    expect(kms.map((c) => c.status)).toEqual(['unverified']);
    const rest = checks.filter((c) => !kms.includes(c));
    expect(rest.length).toBe(customersShards.length + 2);
    expect(rest.every((c) => c.status === 'agrees')).toBe(true);
    expect(rest.find((c) => c.subject === 'CT.S3.PR.1 on OU Infrastructure')).toMatchObject({
      guardrails: ['no-public-s3'],
      synth: 'enabled (verified at synth by Guard rule ct-s3-pr-1)',
      live: 'enabled, status SUCCEEDED, drift IN_SYNC',
    });
  });

  it('disagreement: a control missing from an OU, one FAILED, one DRIFTED', async () => {
    enabled = everythingEnabled();
    const infrastructure = ouArns.get('Infrastructure') ?? '';
    enabled.set(infrastructure, [state(S3_PR_1, 'FAILED'), state(SQS_PR_1, 'SUCCEEDED', 'DRIFTED')]);
    const shard = customersShards[0] ?? '';
    enabled.set(ouArns.get(shard) ?? '', []);
    const checks = await runControlTower(new Map([['CT.SQS.PR.1', SQS_PR_1]]));
    const of = (subject: string) => checks.find((c) => c.subject === subject);
    expect(of('CT.S3.PR.1 on OU Infrastructure')).toMatchObject({
      live: 'enabled, status FAILED, drift IN_SYNC',
      status: 'disagrees',
    });
    expect(of('CT.SQS.PR.1 on OU Infrastructure')).toMatchObject({
      live: 'enabled, status SUCCEEDED, drift DRIFTED',
      status: 'disagrees',
    });
    expect(of(`CT.S3.PR.1 on OU ${shard}`)).toMatchObject({ live: 'not enabled', status: 'disagrees' });
    expect(checks.filter((c) => c.status === 'disagrees').length).toBe(3);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: the mock's command types vary per call
let config: AwsStub<any, any, any> | undefined;
let access: AccountAccess | undefined;
afterEach(() => {
  config?.restore();
  access?.destroy();
});

const RULES = [
  {
    ConfigRuleName: 'AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES',
    Source: { Owner: 'AWS', SourceIdentifier: 'ENCRYPTED_VOLUMES' },
  },
  {
    ConfigRuleName: 'AWSControlTower_AWS-GR_CLOUDTRAIL_VALIDATION_ENABLED',
    Source: { Owner: 'AWS', SourceIdentifier: 'CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED' },
  },
  // Not a Control Tower control: not read.
  { ConfigRuleName: 'team-tagging-rule', Source: { Owner: 'AWS', SourceIdentifier: 'REQUIRED_TAGS' } },
] as const;

/** AWS Config answers through aws-sdk-client-mock: moto's Config has no compliance queries. */
const mockConfig = (validation: 'COMPLIANT' | 'NON_COMPLIANT') => {
  const stub = mockClient(ConfigServiceClient);
  stub
    .on(DescribeConfigRulesCommand)
    .resolvesOnce({ ConfigRules: [...RULES.slice(0, 1)], NextToken: 'page-2' })
    .resolves({ ConfigRules: [...RULES.slice(1)] });
  stub.on(DescribeComplianceByConfigRuleCommand).resolves({
    ComplianceByConfigRules: [
      { ConfigRuleName: RULES[0].ConfigRuleName, Compliance: { ComplianceType: 'COMPLIANT' } },
      { ConfigRuleName: RULES[1].ConfigRuleName, Compliance: { ComplianceType: validation } },
    ],
  });
  stub.on(GetComplianceDetailsByConfigRuleCommand).resolves({
    EvaluationResults: [
      {
        EvaluationResultIdentifier: {
          EvaluationResultQualifier: {
            ConfigRuleName: RULES[1].ConfigRuleName,
            ResourceType: 'AWS::CloudTrail::Trail',
            ResourceId: 'panops-acme',
          },
        },
        ComplianceType: 'NON_COMPLIANT',
      },
    ],
  });
  return stub;
};

const runConfig = async (): Promise<LiveCheck[]> => {
  access = organizationAccess({ client: moto.client });
  // The management account is left out: Control Tower deploys no controls there.
  return configDetectiveSource([
    { account: MEMBER, region: 'us-east-1' },
    { account: MANAGEMENT, region: 'us-east-1' },
  ]).checks(access);
};

describe('detective-control compliance (AWS Config, mocked; member account reached through STS on moto_server)', () => {
  it('agreement: every Control Tower rule of the member account is COMPLIANT', async () => {
    config = mockConfig('COMPLIANT');
    const checks = await runConfig();
    expect(checks.map((c) => [c.account, c.subject, c.guardrails, c.live, c.status])).toEqual([
      [
        MEMBER,
        'Config rule AWSControlTower_AWS-GR_ENCRYPTED_VOLUMES (ENCRYPTED_VOLUMES)',
        ['ebs-encryption'],
        'COMPLIANT',
        'agrees',
      ],
      [
        MEMBER,
        'Config rule AWSControlTower_AWS-GR_CLOUDTRAIL_VALIDATION_ENABLED (CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED)',
        ['cloudtrail-tamper-evident'],
        'COMPLIANT',
        'agrees',
      ],
    ]);
    expect(config.commandCalls(GetComplianceDetailsByConfigRuleCommand)).toHaveLength(0);
  });

  it('disagreement: a NON_COMPLIANT detective control names its resources against the guardrail synth passed', async () => {
    config = mockConfig('NON_COMPLIANT');
    const checks = await runConfig();
    expect(checks.filter((c) => c.status === 'disagrees')).toEqual([
      expect.objectContaining({
        guardrails: ['cloudtrail-tamper-evident'],
        synth: 'COMPLIANT (the guardrail held at synth)',
        live: 'NON_COMPLIANT: AWS::CloudTrail::Trail panops-acme',
      }),
    ]);
  });

  it('an account with no Control Tower rule is not governed: a disagreement', async () => {
    const stub = mockClient(ConfigServiceClient);
    config = stub;
    stub.on(DescribeConfigRulesCommand).resolves({ ConfigRules: [RULES[2]] });
    const checks = await runConfig();
    expect(checks).toEqual([
      expect.objectContaining({
        account: MEMBER,
        live: 'no AWSControlTower_* Config rule in the account',
        status: 'disagrees',
      }),
    ]);
  });
});
