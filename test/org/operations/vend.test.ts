import { readFileSync } from 'node:fs';
import { ConstraintViolationException, DuplicateAccountException } from '@aws-sdk/client-organizations';
import { Effect, Layer } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Blueprint } from '../../../src/config/index.js';
import { AWS_LIMITS, loadBlueprint, TAG_KEYS } from '../../../src/config/index.js';
import { loadControlCatalog } from '../../../src/org/control-tower/control-catalog.js';
import { planOrganization } from '../../../src/org/layout.js';
import { AccountLedger } from '../../../src/org/operations/account-ledger.js';
import { type VendOptions, vendAccounts } from '../../../src/org/operations/vend.js';
import { loadScpDocuments } from '../../../src/org/scp/scp-documents.js';
import { dedicatedCustomer, organization, writeBlueprint } from '../../config/fixtures.js';
import { blueprintWith, pendingCustomer } from '../fixtures.js';
import { FakeOrganization } from './fake-organization.js';
import { type AccountState, FakeReadiness, readyIn } from './release-readiness.js';

const FAST_POLL: VendOptions = {
  pollBase: '1 millis',
  pollCap: '4 millis',
  pollTimeout: '5 seconds',
  readinessPoll: '1 millis',
  readinessTimeout: '2 seconds',
};

let org: FakeOrganization | undefined;
let readiness: FakeReadiness | undefined;
afterEach(() => {
  org?.restore();
  readiness?.restore();
  readiness = undefined;
});

/** Control Tower and the bootstrap StackSet: every account enrolled and bootstrapped unless a test says otherwise. */
const readinessFor = (blueprint: Blueprint, state?: (accountId: string, check: number) => AccountState) => {
  readiness?.restore();
  readiness = new FakeReadiness(blueprint, state ?? (() => readyIn(blueprint.organization.governedRegions)));
  return readiness.layer();
};

/** The organization as the org stack leaves it: every planned OU, the accounts with ids. */
const deployedOrganization = (blueprint: Blueprint) =>
  FakeOrganization.matching(planOrganization(blueprint), loadScpDocuments(blueprint), loadControlCatalog());

const recorded: Array<[string, string]> = [];
const memoryLedger = Layer.succeed(
  AccountLedger,
  AccountLedger.of({
    record: (customer, accountId) => Effect.sync(() => void recorded.push([customer.slug, accountId])),
  }),
);

const vend = (
  blueprint: Blueprint,
  fake: FakeOrganization,
  options: VendOptions = {},
  ledger = memoryLedger,
  ready = readiness ? undefined : readinessFor(blueprint),
) => {
  org = fake.install();
  recorded.length = 0;
  const readinessLayer = ready ?? (readiness as FakeReadiness).layer();
  return Effect.runPromise(
    vendAccounts(blueprint, { ...FAST_POLL, ...options }).pipe(
      Effect.provide(Layer.mergeAll(fake.layers(), ledger, readinessLayer)),
    ),
  );
};

describe('account vending', () => {
  it('creates the account of a customer known only by email, polls until it succeeds and puts it in Quarantine', async () => {
    const blueprint = blueprintWith([dedicatedCustomer(1), pendingCustomer(2)]);
    const fake = deployedOrganization(blueprint);
    const report = await vend(blueprint, fake);
    expect(report.outcomes).toEqual([
      { customer: 'customer-2', ok: true, accountId: '300000000000', origin: 'created', state: 'quarantined' },
    ]);
    // Two IN_PROGRESS answers, then SUCCEEDED.
    expect(fake.calls.get('DescribeCreateAccountStatus')).toBe(3);
    const create = fake.orgMock.commandCalls((await import('@aws-sdk/client-organizations')).CreateAccountCommand)[0];
    expect(create?.args[0].input).toMatchObject({
      Email: 'aws+customer-2@panops.example',
      RoleName: 'AWSControlTowerExecution',
      Tags: expect.arrayContaining([{ Key: TAG_KEYS.customerSlug, Value: 'customer-2' }]),
    });
    expect(fake.accounts.find((a) => a.Id === '300000000000')?.parentId).toBe(fake.ouNamed('Quarantine').id);
    // Created by this run: it has had no baseline yet, so it is not recorded (released) even when asked to.
    expect(recorded).toEqual([]);
  });

  it('adopts an account that already exists (the org stack created it) instead of creating another', async () => {
    const blueprint = blueprintWith([pendingCustomer(2)]);
    const fake = deployedOrganization(blueprint);
    fake.accounts.push({
      Id: '300000000042',
      Email: 'aws+customer-2@panops.example',
      Name: 'PanOps Customer 2',
      parentId: fake.ouNamed('Quarantine').id,
    });
    const report = await vend(blueprint, fake);
    expect(report.outcomes).toEqual([
      { customer: 'customer-2', ok: true, accountId: '300000000042', origin: 'adopted', state: 'quarantined' },
    ]);
    expect(fake.calls.get('CreateAccount') ?? 0).toBe(0);
  });

  it('releases an account that waited in Quarantine to its Customers OU and writes its id into the customer file', async () => {
    const dir = writeBlueprint(organization(), { 'customer-2.yaml': pendingCustomer(2) });
    const blueprint = loadBlueprint(dir);
    const fake = deployedOrganization(blueprint);
    fake.accounts.push({
      Id: '300000000042',
      Email: 'aws+customer-2@panops.example',
      Name: 'PanOps Customer 2',
      parentId: fake.ouNamed('Quarantine').id,
    });
    const report = await vend(blueprint, fake, { release: true }, AccountLedger.yamlFiles);
    expect(report.outcomes[0]).toMatchObject({ ok: true, state: 'released' });
    expect(fake.accounts.find((a) => a.Id === '300000000042')?.parentId).toBe(fake.ouNamed('Customers-1').id);
    const file = readFileSync(blueprint.customers[0]?.file as string, 'utf8');
    expect(parse(file).accountId).toBe('300000000042');
    expect(file).toContain('accountId: "300000000042"');
    // The file still validates, now with the account id: the next synth names the account.
    expect(loadBlueprint(dir).customers[0]?.accountId).toBe('300000000042');
  });

  it('never vends more accounts at once than Control Tower runs operations, whatever concurrency is asked', async () => {
    const blueprint = blueprintWith(Array.from({ length: 14 }, (_, i) => pendingCustomer(i + 1)));
    const fake = deployedOrganization(blueprint);
    const report = await vend(blueprint, fake, { concurrency: 50 });
    expect(report.outcomes.every((o) => o.ok)).toBe(true);
    expect(report.outcomes).toHaveLength(14);
    expect(fake.peakCreating).toBe(AWS_LIMITS.controlTowerConcurrentOperations);
    expect(report.concurrency).toBe(AWS_LIMITS.controlTowerConcurrentOperations);
  });

  it('keeps going when one creation fails, reporting that customer with the failure reason', async () => {
    const blueprint = blueprintWith([pendingCustomer(1), pendingCustomer(2), pendingCustomer(3)]);
    const fake = deployedOrganization(blueprint);
    fake.failCreation.set('aws+customer-2@panops.example', 'EMAIL_ALREADY_EXISTS');
    const report = await vend(blueprint, fake);
    expect(report.outcomes.map((o) => [o.customer, o.ok])).toEqual([
      ['customer-1', true],
      ['customer-2', false],
      ['customer-3', true],
    ]);
    const failed = report.outcomes[1];
    expect(failed?.ok === false && failed.errorTag).toBe('AccountCreationFailed');
    expect(failed?.ok === false && failed.error).toMatch(
      /EMAIL_ALREADY_EXISTS \(the email belongs to an AWS account outside/,
    );
  });

  it('does not retry a duplicate account: it reports it as already existing', async () => {
    const blueprint = blueprintWith([pendingCustomer(1)]);
    const fake = deployedOrganization(blueprint);
    fake.rejectCreate.set(
      'aws+customer-1@panops.example',
      new DuplicateAccountException({ message: 'That account is already owned by your organization.', $metadata: {} }),
    );
    const report = await vend(blueprint, fake);
    expect(report.outcomes[0]).toMatchObject({ ok: false, errorTag: 'AwsAlreadyExists' });
    expect(fake.calls.get('CreateAccount')).toBe(1);
  });

  it('does not retry a constraint violation, and names the reason', async () => {
    const blueprint = blueprintWith([pendingCustomer(1)]);
    const fake = deployedOrganization(blueprint);
    fake.rejectCreate.set(
      'aws+customer-1@panops.example',
      new ConstraintViolationException({
        message: 'You have exceeded the allowed number of AWS accounts.',
        Reason: 'ACCOUNT_NUMBER_LIMIT_EXCEEDED',
        $metadata: {},
      }),
    );
    const report = await vend(blueprint, fake);
    expect(report.outcomes[0]).toMatchObject({ ok: false, errorTag: 'AwsConstraintViolation' });
    expect(report.outcomes[0]?.ok === false && report.outcomes[0].error).toMatch(/ACCOUNT_NUMBER_LIMIT_EXCEEDED/);
    expect(fake.calls.get('CreateAccount')).toBe(1);
  });

  it('retries a throttled CreateAccount with backoff and succeeds', async () => {
    const blueprint = blueprintWith([pendingCustomer(1)]);
    const fake = deployedOrganization(blueprint);
    fake.throttle.set('CreateAccount', 2);
    fake.throttle.set('ListAccounts', 1);
    const report = await vend(blueprint, fake);
    expect(report.outcomes[0]).toMatchObject({ ok: true, origin: 'created' });
    expect(fake.calls.get('CreateAccount')).toBe(3);
  });

  it('refuses to vend before the organization stack has created the Quarantine OU', async () => {
    const blueprint = blueprintWith([pendingCustomer(1)]);
    const fake = deployedOrganization(blueprint);
    fake.ous = fake.ous.filter((o) => o.name !== 'Quarantine');
    org = fake.install();
    const error = await Effect.runPromise(
      vendAccounts(blueprint, FAST_POLL).pipe(
        Effect.flip,
        Effect.provide(Layer.mergeAll(fake.layers(), memoryLedger, readinessFor(blueprint))),
      ),
    );
    expect(error.message).toBe('OU Quarantine does not exist: deploy PanOps-Organization before vending accounts');
  });

  it('releases an account only once Control Tower enrolled it and the bootstrap StackSet instance is current in every governed region, saying what it waits for', async () => {
    const blueprint = blueprintWith([pendingCustomer(2)]);
    const fake = deployedOrganization(blueprint);
    fake.accounts.push({
      Id: '300000000042',
      Email: 'aws+customer-2@panops.example',
      Name: 'PanOps Customer 2',
      parentId: fake.ouNamed('Quarantine').id,
    });
    const regions = blueprint.organization.governedRegions;
    // Checks 1-2: enrolling, no bootstrap yet; 3-4: enrolled, one region still running; then ready.
    readinessFor(blueprint, (_, check): AccountState => {
      if (check <= 2) return { baseline: 'UNDER_CHANGE', instances: {} };
      if (check <= 4)
        return {
          baseline: 'SUCCEEDED',
          instances: {
            [regions[0] as string]: ['CURRENT', 'SUCCEEDED'],
            [regions[1] as string]: ['OUTDATED', 'RUNNING'],
          },
        };
      return readyIn(regions);
    });
    const progress: string[] = [];
    let movedAtCheck = -1;
    const report = await vend(blueprint, fake, {
      release: true,
      onProgress: (line) => {
        progress.push(line);
        // Until ready, the account is still in Quarantine.
        if (fake.accounts.find((a) => a.Id === '300000000042')?.parentId !== fake.ouNamed('Quarantine').id)
          movedAtCheck = readiness?.checks.get('300000000042') ?? -1;
      },
    });
    expect(report.outcomes[0]).toMatchObject({ ok: true, state: 'released', accountId: '300000000042' });
    expect(readiness?.checks.get('300000000042')).toBe(5);
    expect(movedAtCheck).toBe(-1);
    expect(fake.accounts.find((a) => a.Id === '300000000042')?.parentId).toBe(fake.ouNamed('Customers-1').id);
    expect(recorded).toEqual([['customer-2', '300000000042']]);
    expect(progress[0]).toContain('waits for Control Tower enrollment (baseline UNDER_CHANGE)');
    expect(progress[0]).toContain(`CDK bootstrap StackSet instance in ${regions[0]} (none yet)`);
    expect(progress[1]).toBe(
      `  customer-2: account 300000000042 waits for CDK bootstrap StackSet instance in ${regions[1]} (OUTDATED/RUNNING)`,
    );
    // The Control Tower request was signed (SigV4), as AWS requires.
    expect(readiness?.signed.every((a) => a.startsWith('AWS4-HMAC-SHA256'))).toBe(true);
  });

  it('keeps an account that never gets enrolled in Quarantine and reports a typed timeout naming what it waited for', async () => {
    const blueprint = blueprintWith([pendingCustomer(2)]);
    const fake = deployedOrganization(blueprint);
    fake.accounts.push({
      Id: '300000000042',
      Email: 'aws+customer-2@panops.example',
      Name: 'PanOps Customer 2',
      parentId: fake.ouNamed('Quarantine').id,
    });
    readinessFor(blueprint, () => ({ baseline: 'FAILED', instances: {} }));
    const report = await vend(blueprint, fake, { release: true, readinessTimeout: '50 millis' });
    const outcome = report.outcomes[0];
    expect(outcome).toMatchObject({ ok: false, errorTag: 'AccountNotReadyForRelease' });
    expect(outcome?.ok === false && outcome.error).toMatch(
      /account 300000000042 of customer-2 stays in Quarantine: after 50ms? .*Control Tower enrollment \(baseline FAILED\)/,
    );
    expect(fake.accounts.find((a) => a.Id === '300000000042')?.parentId).toBe(fake.ouNamed('Quarantine').id);
    expect(recorded).toEqual([]);
  });
});
