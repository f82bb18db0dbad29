import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, CreateStackCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from '@aws-sdk/client-service-quotas';
import { DeleteParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { App } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect } from 'effect';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildOrganization } from '../../../../src/app.js';
import { GPU_QUOTAS, gpuQuotaDemand } from '../../../../src/config/gpu-capacity.js';
import { type Blueprint, validateBlueprint } from '../../../../src/config/index.js';
import { type LandingZoneDetail, landingZoneApi } from '../../../../src/org/control-tower/landing-zone-api.js';
import { BOOTSTRAP_VERSION_PARAMETER } from '../../../../src/org/operations/preflight/cdk-bootstrap.js';
import { preflightClients } from '../../../../src/org/operations/preflight/clients.js';
import {
  deployEnvironments,
  reservedConcurrencyDemand,
} from '../../../../src/org/operations/preflight/deploy-targets.js';
import { runPreflight } from '../../../../src/org/operations/preflight/preflight.js';
import {
  formatPreflight,
  type PreflightRow,
  preflightExitCode,
} from '../../../../src/org/operations/preflight/rows.js';
import { LAMBDA_SETTINGS } from '../../../../src/shared-compute/shared-compute-stack.js';
import { dedicatedCustomer, organization } from '../../../config/fixtures.js';
import { type Moto, startMoto } from '../../../support/moto.js';

/**
 * `npx projen preflight` at the wire: Organizations, STS (the assumed member
 * role), SSM, CloudFormation and IAM in moto_server; Control Tower's landing
 * zone API from a local server speaking its REST-JSON; Lambda account
 * settings and EC2's Service Quotas (which moto lacks) through
 * aws-sdk-client-mock.
 */

// moto's default account plays the management account; the others are reached through AssumeRole.
const MANAGEMENT = '123456789012';
const SHARED = '111111111111';
const CUSTOMER = '222222222222';

const blueprintFor = (mode: 'peering' | 'transit-gateway' = 'peering'): Blueprint => {
  const org = organization() as ReturnType<typeof organization> & { sharedCompute: Record<string, unknown> };
  org.organization.managementAccountId = MANAGEMENT;
  org.sharedCompute.accountId = SHARED;
  if (mode === 'transit-gateway')
    org.sharedCompute.network = { mode: 'transit-gateway', customerRanges: ['10.16.0.0/12'] };
  return validateBlueprint({
    organization: { file: 'organization.yaml', data: org },
    customers: [{ file: 'customers/customer-1.yaml', data: { ...dedicatedCustomer(1), accountId: CUSTOMER } }],
  });
};

/** Constructed once per blueprint (the first construction fingerprints every asset: tens of seconds here). */
const apps = new Map<Blueprint, App>();
const appFor = (blueprint: Blueprint) => {
  const known = apps.get(blueprint);
  if (known) return known;
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  buildOrganization(app, blueprint);
  apps.set(blueprint, app);
  return app;
};
const PEERING = blueprintFor();
const TRANSIT = blueprintFor('transit-gateway');

let moto: Moto;
let lz: Server;
let lzEndpoint: string;
let landingZone: LandingZoneDetail | undefined;
const lambdaMock = mockClient(LambdaClient);
const quotasMock = mockClient(ServiceQuotasClient);

beforeAll(async () => {
  moto = await startMoto();
  appFor(PEERING);
  appFor(TRANSIT);
  lz = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      if (!String(req.headers.authorization).startsWith('AWS4-HMAC-SHA256')) {
        res.writeHead(403, { 'x-amzn-errortype': 'AccessDeniedException' }).end('{"message":"unsigned"}');
      } else if (req.url === '/list-landingzones') {
        res.end(JSON.stringify({ landingZones: landingZone ? [{ arn: landingZone.arn }] : [] }));
      } else if (
        req.url === '/get-landingzone' &&
        landingZone &&
        JSON.parse(body).landingZoneIdentifier === landingZone.arn
      ) {
        res.end(JSON.stringify({ landingZone: { ...landingZone, manifest: {} } }));
      } else {
        res
          .writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' })
          .end('{"message":"no such landing zone"}');
      }
    });
  });
  await new Promise<void>((resolve) => lz.listen(0, '127.0.0.1', resolve));
  lzEndpoint = `http://127.0.0.1:${(lz.address() as AddressInfo).port}`;
}, 240_000);

afterAll(async () => {
  lambdaMock.restore();
  quotasMock.restore();
  await moto?.close();
  await new Promise((resolve) => lz?.close(resolve));
});

const management = () => ({ ...moto.client });
let rootId: string;

beforeEach(async () => {
  await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  const orgs = new OrganizationsClient(management());
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  landingZone = undefined;
  lambdaMock.reset();
  quotasMock.reset();
});
afterEach(() => {
  lambdaMock.reset();
  quotasMock.reset();
});

/** Credentials of the member role in `account`, as moto hands them out (its multi-account emulation). */
const memberCredentials = async (account: string) => {
  const out = await new STSClient(management()).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${account}:role/AWSControlTowerExecution`,
      RoleSessionName: 'setup',
    }),
  );
  return {
    ...moto.client,
    credentials: {
      accessKeyId: out.Credentials?.AccessKeyId ?? '',
      secretAccessKey: out.Credentials?.SecretAccessKey ?? '',
      sessionToken: out.Credentials?.SessionToken ?? '',
    },
  };
};

const clientFor = async (account: string) => (account === MANAGEMENT ? management() : memberCredentials(account));

/** The organization after someone did everything the preflight asks. */
const makeReady = async (blueprint: Blueprint, app: App) => {
  const orgs = new OrganizationsClient(management());
  await orgs.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  await orgs.send(
    new EnableAWSServiceAccessCommand({ ServicePrincipal: 'member.org.stacksets.cloudformation.amazonaws.com' }),
  );
  for (const env of deployEnvironments(app)) {
    const ssm = new SSMClient({ ...(await clientFor(env.account)), region: env.region });
    await ssm.send(new PutParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER, Value: '28', Type: 'String' }));
  }
  const iam = new IAMClient(await clientFor(blueprint.sharedCompute.accountId));
  for (const [name, service] of [
    ['AWSServiceRoleForEC2Spot', 'spot.amazonaws.com'],
    ['AWSServiceRoleForECS', 'ecs.amazonaws.com'],
  ] as const)
    await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        Path: `/aws-service-role/${service}/`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
  lambdaMock.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000 } });
  quotasMock.on(GetServiceQuotaCommand).callsFake(async (input: { QuotaCode?: string }) => ({
    Quota: { QuotaCode: input.QuotaCode, Value: 256 },
  }));
  landingZone = {
    arn: 'arn:aws:controltower:us-east-1:123456789012:landingzone/1A2B3C4D5E6F7G8H',
    status: 'ACTIVE',
    version: '3.3',
    latestAvailableVersion: '3.3',
    driftStatus: { status: 'IN_SYNC' },
  };
};

const preflight = (blueprint: Blueprint, app: App, scope: 'organization' | 'all' = 'all') =>
  Effect.runPromise(
    runPreflight({
      blueprint,
      app,
      scope,
      clients: preflightClients('us-east-1', {
        endpoint: moto.endpoint,
        credentials: moto.client.credentials,
        retry: { base: '1 millis', cap: '2 millis', times: 1 },
      }),
      landingZones: landingZoneApi({ region: 'us-east-1', endpoint: lzEndpoint, credentials: moto.client.credentials }),
    }),
  );

const row = (rows: readonly PreflightRow[], check: string, target?: string) => {
  const found = rows.find((r) => r.check === check && (target === undefined || r.target === target));
  if (!found) throw new Error(`no row ${check} ${target ?? ''} in\n${formatPreflight(rows)}`);
  return found;
};

describe('npx projen preflight', () => {
  it('on a fresh organization fails every unmet prerequisite, one row each with the exact fix, and exits 1', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    lambdaMock.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10 } });
    // A new account has no applied G quota: the default (0) is read instead.
    quotasMock
      .on(GetServiceQuotaCommand)
      .rejects(new NoSuchResourceException({ message: 'no applied quota', $metadata: {} }));
    quotasMock.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { Value: 0 } });

    const rows = await preflight(blueprint, app);
    const text = formatPreflight(rows);
    expect(preflightExitCode(rows)).toBe(1);
    expect(text).toContain('preflight FAILED');

    expect(row(rows, 'scp-policy-type')).toMatchObject({
      status: 'fail',
      fix: `aws organizations enable-policy-type --root-id ${rootId} --policy-type SERVICE_CONTROL_POLICY`,
    });
    expect(row(rows, 'stacksets-trusted-access')).toMatchObject({
      status: 'fail',
      fix: 'aws cloudformation activate-organizations-access --region us-east-1',
    });
    // Peering mode: RAM sharing is not needed, so not checked.
    expect(rows.some((r) => r.check === 'ram-organization-sharing')).toBe(false);

    // Every account a stack deploys to (management, shared compute, the customer) is checked, none is bootstrapped.
    for (const account of [MANAGEMENT, SHARED, CUSTOMER]) {
      const bootstrap = row(rows, 'cdk-bootstrap', `${account}/us-east-1`);
      expect(bootstrap.status).toBe('fail');
      expect(bootstrap.fix).toContain(`npx cdk bootstrap aws://${account}/us-east-1`);
    }

    const lambda = row(rows, 'lambda-concurrency', `${SHARED}/us-east-1`);
    expect(lambda.status).toBe('fail');
    expect(lambda.detail).toContain('concurrency limit 10');
    expect(lambda.fix).toContain('--service-code lambda --quota-code L-B99A9384');

    for (const demand of gpuQuotaDemand(blueprint)) {
      const gpu = row(rows, `gpu-quota ${demand.quotaCode}`);
      expect(gpu.status).toBe('fail');
      expect(gpu.detail).toContain(`need ${demand.vcpus}`);
      expect(gpu.fix).toBe(
        `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${demand.quotaCode} --desired-value ${demand.vcpus} --region us-east-1 (in the shared compute account ${SHARED})`,
      );
    }
    expect(row(rows, 'service-linked-role AWSServiceRoleForEC2Spot')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('aws iam create-service-linked-role --aws-service-name spot.amazonaws.com'),
    });
    expect(row(rows, 'service-linked-role AWSServiceRoleForECS').status).toBe('fail');
    // No landing zone yet: the organization stack creates it.
    expect(row(rows, 'control-tower-landing-zone').status).toBe('pass');
    // Every failing row says how to fix it.
    for (const r of rows.filter((r) => r.status === 'fail')) expect(r.fix, r.check).toBeTruthy();
  }, 120_000);

  it('passes, exit 0, once the organization is ready: settings enabled, every environment bootstrapped, quotas and roles there', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    await makeReady(blueprint, app);
    const rows = await preflight(blueprint, app);
    expect(
      rows.filter((r) => r.status === 'fail'),
      formatPreflight(rows),
    ).toEqual([]);
    expect(preflightExitCode(rows)).toBe(0);
    expect(row(rows, 'cdk-bootstrap', `${SHARED}/us-east-1`).detail).toContain('bootstrap version 28');
    expect(row(rows, 'control-tower-landing-zone').detail).toContain('ACTIVE, version 3.3');
    // The G quotas were asked for by the codes of src/shared-compute/gpu-capacity.ts.
    const asked = quotasMock.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input.QuotaCode);
    expect(new Set(asked)).toEqual(new Set([GPU_QUOTAS.spot.code, GPU_QUOTAS.onDemand.code]));
  }, 120_000);

  it('the Lambda demand is what the stacks reserve, and Lambda keeps 100 unreserved', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    const shared = reservedConcurrencyDemand(app).find((d) => d.account === SHARED);
    expect(shared?.reserved).toBeGreaterThanOrEqual(
      LAMBDA_SETTINGS.webhook.reservedConcurrency + LAMBDA_SETTINGS.connectorPoll.reservedConcurrency,
    );
    await makeReady(blueprint, app);
    // Exactly enough for the shared compute account, one short elsewhere is irrelevant here: all get the same limit.
    const needed = (shared?.reserved ?? 0) + 100;
    lambdaMock.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: needed - 1 } });
    let rows = await preflight(blueprint, app);
    expect(row(rows, 'lambda-concurrency', `${SHARED}/us-east-1`).status).toBe('fail');
    lambdaMock.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: needed } });
    rows = await preflight(blueprint, app);
    expect(row(rows, 'lambda-concurrency', `${SHARED}/us-east-1`).status).toBe('pass');
  }, 120_000);

  it('a check that cannot read what it checks fails, naming what and why, with the permission it needs', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    await makeReady(blueprint, app);
    lambdaMock
      .on(GetAccountSettingsCommand)
      .rejects(Object.assign(new Error('not authorized to GetAccountSettings'), { name: 'AccessDeniedException' }));
    const lambda = row(await preflight(blueprint, app), 'lambda-concurrency', `${SHARED}/us-east-1`);
    expect(lambda.status).toBe('fail');
    expect(lambda.detail).toMatch(/^could not read Lambda account settings: .*not authorized to GetAccountSettings/);
    expect(lambda.fix).toContain('lambda:GetAccountSettings');
  }, 120_000);

  it('reads the version from the CDKToolkit stack where the SSM parameter is missing, and fails a version below 6', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    await makeReady(blueprint, app);
    const toolkit = (version: string) =>
      JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: { BootstrapVersion: { Value: version } },
      });
    // The customer account was bootstrapped by hand (cdk bootstrap, an old version), without the parameter.
    await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
    const orgs = new OrganizationsClient(management());
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    rootId = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
    await makeReady(blueprint, app);
    const customer = await memberCredentials(CUSTOMER);
    await new SSMClient(customer).send(new DeleteParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER }));
    await new CloudFormationClient(customer).send(
      new CreateStackCommand({ StackName: 'CDKToolkit', TemplateBody: toolkit('4') }),
    );
    let rows = await preflight(blueprint, app);
    const old = row(rows, 'cdk-bootstrap', `${CUSTOMER}/us-east-1`);
    expect(old).toMatchObject({ status: 'fail', detail: expect.stringContaining('bootstrap version 4, below the 6') });
    await new CloudFormationClient(customer).send(
      new UpdateStackCommand({ StackName: 'CDKToolkit', TemplateBody: toolkit('21') }),
    );
    rows = await preflight(blueprint, app);
    expect(row(rows, 'cdk-bootstrap', `${CUSTOMER}/us-east-1`)).toMatchObject({
      status: 'pass',
      detail: expect.stringContaining('bootstrap version 21'),
    });
  }, 120_000);

  it('before the organization stack (deploy step 2), checks only what it needs: settings, landing zone, the management account', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    lambdaMock.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000 } });
    const rows = await preflight(blueprint, app, 'organization');
    expect([...new Set(rows.map((r) => r.check))]).toEqual([
      'stacksets-trusted-access',
      'scp-policy-type',
      'control-tower-landing-zone',
      'cdk-bootstrap',
      'lambda-concurrency',
    ]);
    expect(rows.filter((r) => r.check === 'cdk-bootstrap').map((r) => r.target)).toEqual([`${MANAGEMENT}/us-east-1`]);
    expect(quotasMock.commandCalls(GetServiceQuotaCommand)).toHaveLength(0);
  }, 120_000);

  it('in transit-gateway mode also checks RAM sharing with the organization', async () => {
    const blueprint = TRANSIT;
    const app = appFor(blueprint);
    await makeReady(blueprint, app);
    let rows = await preflight(blueprint, app);
    expect(row(rows, 'ram-organization-sharing')).toMatchObject({
      status: 'fail',
      fix: 'aws ram enable-sharing-with-aws-organization --region us-east-1',
    });
    await new OrganizationsClient(management()).send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: 'ram.amazonaws.com' }),
    );
    rows = await preflight(blueprint, app);
    expect(row(rows, 'ram-organization-sharing').status).toBe('pass');
  }, 120_000);

  it('fails a landing zone that is still processing, failed or drifted, and one newer than the stack declares', async () => {
    const blueprint = PEERING;
    const app = appFor(blueprint);
    await makeReady(blueprint, app);
    const arn = landingZone?.arn as string;
    const cases: [Partial<LandingZoneDetail>, string][] = [
      [{ status: 'PROCESSING' }, 'still running'],
      [{ status: 'FAILED' }, 'reset-landing-zone'],
      [{ driftStatus: { status: 'DRIFTED' } }, 'reset-landing-zone'],
      [{ version: '9.9' }, 'no downgrade'],
    ];
    for (const [change, expected] of cases) {
      landingZone = { arn, status: 'ACTIVE', version: '3.3', driftStatus: { status: 'IN_SYNC' }, ...change };
      const lzRow = row(await preflight(blueprint, app), 'control-tower-landing-zone');
      expect(lzRow.status).toBe('fail');
      expect(`${lzRow.detail} ${lzRow.fix}`).toContain(expected);
    }
  }, 120_000);
});
