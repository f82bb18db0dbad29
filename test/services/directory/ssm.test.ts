import { GetParameterCommand, GetParametersCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect, Exit } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { directoryEntryName } from '../../../src/contracts/directory.js';
import { ROLE_NAMES, roleArn } from '../../../src/contracts/names.js';
import { POOLED_DATA } from '../../../src/contracts/pooled-data.js';
import { CustomerDirectory } from '../../../src/services/directory/customer-directory.js';
import { directoryJobError } from '../../../src/services/directory/errors.js';
import { ssmCustomerDirectoryLayer } from '../../../src/services/directory/ssm.js';
import { policyFor } from '../../../src/services/pipeline/policy.js';

const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);
afterEach(() => {
  ssm.reset();
  sts.reset();
});

const DEDICATED = '3f0c6a52-8d1e-4c5b-9a7e-1b2c3d4e5f60';
const POOLED = '7a1d9e44-2b3c-4d5e-8f90-a1b2c3d4e5f6';
const CUSTOMER_ACCOUNT = '222233334444';
const POOLED_ACCOUNT = '111122223333';

const entry = (customerId: string, tier: 'dedicated' | 'pooled', accountId: string) =>
  JSON.stringify({
    version: 1,
    customerId,
    slug: tier === 'dedicated' ? 'acme-capital' : 'small-fund',
    tier,
    accountId,
    region: 'eu-west-1',
    dataAccessRoleArn: roleArn(
      accountId,
      tier === 'dedicated' ? ROLE_NAMES.customerDataAccess : POOLED_DATA.dataAccessRole,
    ),
  });

/** What `GetParameter` returns for an existing String parameter. */
const parameter = (name: string, value: string) => ({
  Parameter: {
    Name: name,
    Type: 'String' as const,
    Value: value,
    Version: 1,
    ARN: `arn:aws:ssm:eu-west-1:999988887777:parameter${name}`,
  },
});

const locations = (root: string, overrides: Record<string, string | undefined> = {}) => {
  const values: Record<string, string | undefined> = {
    [`${root}archive/bucket`]: 'panops-acme-archive-1a2b3c',
    [`${root}archive/kms-key-arn`]: `arn:aws:kms:eu-west-1:${CUSTOMER_ACCOUNT}:key/0d6c1c7e-5f3a-4e2b-9b1d-2a3b4c5d6e7f`,
    [`${root}database/endpoint`]: 'panops-acme.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com',
    [`${root}database/port`]: '5432',
    [`${root}database/name`]: 'panops',
    [`${root}database/user`]: 'panops_app',
    [`${root}database/auth`]: 'iam',
    ...overrides,
  };
  const present = Object.entries(values).filter(([, v]) => v !== undefined);
  return {
    Parameters: present.map(([Name, Value]) => ({ Name, Value, Type: 'String' as const, Version: 1 })),
    InvalidParameters: Object.entries(values)
      .filter(([, v]) => v === undefined)
      .map(([name]) => name),
  };
};

const session = (n: number) => ({
  Credentials: {
    AccessKeyId: `ASIASESSION${n}`,
    SecretAccessKey: `secret-${n}`,
    SessionToken: `token-${n}`,
    Expiration: new Date(Date.now() + 3600_000),
  },
});

const locate = (customerId: string, times = 1) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const directory = yield* CustomerDirectory;
      const exits = [];
      for (let i = 0; i < times; i++) exits.push(yield* Effect.exit(directory.locate(customerId)));
      return exits;
    }).pipe(Effect.provide(ssmCustomerDirectoryLayer({ ssm: { region: 'eu-west-1' }, sts: { region: 'eu-west-1' } }))),
  );

describe('the customer directory on SSM and STS', () => {
  it('resolves a dedicated customer: its entry, a session of its data-access role, then the locations its own account publishes', async () => {
    ssm
      .on(GetParameterCommand, { Name: directoryEntryName(DEDICATED) })
      .resolves(parameter(directoryEntryName(DEDICATED), entry(DEDICATED, 'dedicated', CUSTOMER_ACCOUNT)));
    ssm.on(GetParametersCommand).resolves(locations('/panops/customer/'));
    sts.on(AssumeRoleCommand).resolves(session(1));

    const [exit] = await locate(DEDICATED);
    if (!exit || !Exit.isSuccess(exit)) throw new Error(`expected a location, got ${String(exit)}`);
    const location = exit.value;
    expect(location).toMatchObject({
      customerId: DEDICATED,
      tier: 'dedicated',
      accountId: CUSTOMER_ACCOUNT,
      region: 'eu-west-1',
      dataAccessRoleArn: `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/panops-customer-data-access`,
      archive: { bucket: 'panops-acme-archive-1a2b3c', keyPrefix: '' },
      database: {
        host: 'panops-acme.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com',
        port: 5432,
        name: 'panops',
        user: 'panops_app',
        auth: { method: 'iam' },
        tls: true,
      },
    });

    const assume = sts.commandCalls(AssumeRoleCommand);
    expect(assume).toHaveLength(1);
    expect(assume[0]?.args[0].input).toMatchObject({
      RoleArn: location.dataAccessRoleArn,
      RoleSessionName: `panops-${DEDICATED}`,
    });
    expect(assume[0]?.args[0].input.Tags).toBeUndefined();

    // The locations are read in the customer's account: with the assumed session, in the customer's region.
    const read = ssm.commandCalls(GetParametersCommand);
    expect(read).toHaveLength(1);
    expect([...(read[0]?.args[0].input.Names ?? [])].sort()).toEqual(
      [
        'archive/bucket',
        'archive/kms-key-arn',
        'database/auth',
        'database/endpoint',
        'database/name',
        'database/port',
        'database/user',
      ].map((leaf) => `/panops/customer/${leaf}`),
    );
    const client = read[0]?.thisValue as SSMClient;
    expect(await client.config.region()).toBe('eu-west-1');
    expect((await client.config.credentials()).accessKeyId).toBe('ASIASESSION1');
    expect((await location.credentials?.())?.accessKeyId).toBe('ASIASESSION1');
  });

  it('resolves a pooled customer with the customer session tag the pooled role requires, under its own prefix', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(parameter(directoryEntryName(POOLED), entry(POOLED, 'pooled', POOLED_ACCOUNT)));
    ssm.on(GetParametersCommand).resolves(locations('/panops/pooled/'));
    sts.on(AssumeRoleCommand).resolves(session(2));

    const [exit] = await locate(POOLED);
    expect(exit && Exit.isSuccess(exit) && exit.value).toMatchObject({
      tier: 'pooled',
      accountId: POOLED_ACCOUNT,
      dataAccessRoleArn: `arn:aws:iam::${POOLED_ACCOUNT}:role/panops-pooled-data-access`,
      archive: { keyPrefix: `customers/${POOLED}/` },
    });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: 'panops:customer-id', Value: POOLED },
    ]);
    expect(
      ssm.commandCalls(GetParametersCommand)[0]?.args[0].input.Names?.every((n) => n.startsWith('/panops/pooled/')),
    ).toBe(true);
  });

  it('asks SSM and STS once for repeated lookups of a customer (cached), whatever the id’s case', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(parameter(directoryEntryName(DEDICATED), entry(DEDICATED, 'dedicated', CUSTOMER_ACCOUNT)));
    ssm.on(GetParametersCommand).resolves(locations('/panops/customer/'));
    sts.on(AssumeRoleCommand).resolves(session(3));
    const exits = await Effect.runPromise(
      Effect.gen(function* () {
        const directory = yield* CustomerDirectory;
        return [
          yield* Effect.exit(directory.locate(DEDICATED)),
          yield* Effect.exit(directory.locate(DEDICATED.toUpperCase())),
          yield* Effect.exit(directory.locate(DEDICATED)),
        ];
      }).pipe(
        Effect.provide(ssmCustomerDirectoryLayer({ ssm: { region: 'eu-west-1' }, sts: { region: 'eu-west-1' } })),
      ),
    );
    expect(exits.every(Exit.isSuccess)).toBe(true);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('refuses a customer without a directory entry as CustomerNotFound, which dead-letters a job with the parameter named (and is remembered briefly)', async () => {
    ssm
      .on(GetParameterCommand)
      .rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: { httpStatusCode: 400 } }));
    const [first, second] = await locate(DEDICATED, 2);
    expect(first && Exit.isFailure(first)).toBe(true);
    const error = first && Exit.isFailure(first) ? Exit.findErrorOption(first) : undefined;
    if (error?._tag !== 'Some') throw new Error('expected a typed failure');
    expect(error.value).toMatchObject({ _tag: 'CustomerNotFound', parameter: `/panops/customers/${DEDICATED}` });
    const policy = policyFor(directoryJobError(error.value));
    expect(policy._tag).toBe('DeadLetter');
    expect(policy._tag === 'DeadLetter' && policy.reason).toContain(`/panops/customers/${DEDICATED}`);
    expect(second && Exit.isFailure(second)).toBe(true);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('refuses a customer account that does not publish a location as CustomerLocationMissing naming each missing parameter (dead-lettered, not retried)', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(parameter(directoryEntryName(DEDICATED), entry(DEDICATED, 'dedicated', CUSTOMER_ACCOUNT)));
    ssm.on(GetParametersCommand).resolves(
      locations('/panops/customer/', {
        '/panops/customer/archive/bucket': undefined,
        '/panops/customer/database/port': undefined,
      }),
    );
    sts.on(AssumeRoleCommand).resolves(session(4));
    const [exit] = await locate(DEDICATED);
    const error = exit && Exit.isFailure(exit) ? Exit.findErrorOption(exit) : undefined;
    if (error?._tag !== 'Some') throw new Error('expected a typed failure');
    expect(error.value).toMatchObject({
      _tag: 'CustomerLocationMissing',
      accountId: CUSTOMER_ACCOUNT,
      missing: ['/panops/customer/archive/bucket', '/panops/customer/database/port'],
    });
    const policy = policyFor(directoryJobError(error.value));
    expect(policy._tag === 'DeadLetter' && policy.reason).toContain('/panops/customer/archive/bucket');
  });

  it('treats a data-access role that cannot be assumed (customer stack not deployed) as a missing location, not an outage', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(parameter(directoryEntryName(DEDICATED), entry(DEDICATED, 'dedicated', CUSTOMER_ACCOUNT)));
    sts
      .on(AssumeRoleCommand)
      .rejects(Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' }));
    const [exit] = await locate(DEDICATED);
    const error = exit && Exit.isFailure(exit) ? Exit.findErrorOption(exit) : undefined;
    if (error?._tag !== 'Some') throw new Error('expected a typed failure');
    expect(error.value._tag).toBe('CustomerLocationMissing');
    expect(policyFor(directoryJobError(error.value))._tag).toBe('DeadLetter');
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(0);
  });

  it('reports throttling as DirectoryUnavailable (backoff, not dead-letter) and does not remember it', async () => {
    ssm
      .on(GetParameterCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves(parameter(directoryEntryName(DEDICATED), entry(DEDICATED, 'dedicated', CUSTOMER_ACCOUNT)));
    ssm.on(GetParametersCommand).resolves(locations('/panops/customer/'));
    sts.on(AssumeRoleCommand).resolves(session(5));
    const [first, second] = await locate(DEDICATED, 2);
    const error = first && Exit.isFailure(first) ? Exit.findErrorOption(first) : undefined;
    if (error?._tag !== 'Some') throw new Error('expected a typed failure');
    expect(error.value).toMatchObject({ _tag: 'DirectoryUnavailable', step: 'entry' });
    expect(policyFor(directoryJobError(error.value))._tag).toBe('Backoff');
    expect(second && Exit.isSuccess(second)).toBe(true);
  });

  it('refuses an entry that names another customer or is malformed, instead of reaching the wrong account', async () => {
    ssm
      .on(GetParameterCommand)
      .resolves(parameter(directoryEntryName(DEDICATED), entry(POOLED, 'pooled', POOLED_ACCOUNT)));
    const [exit] = await locate(DEDICATED);
    const error = exit && Exit.isFailure(exit) ? Exit.findErrorOption(exit) : undefined;
    expect(error?._tag === 'Some' && error.value._tag).toBe('CustomerLocationMissing');
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('locates a dedicated customer still in the pool (a promotion before its route switches) on the pooled tier when asked', async () => {
    const withPool = JSON.stringify({
      ...JSON.parse(entry(DEDICATED, 'dedicated', CUSTOMER_ACCOUNT)),
      pooled: {
        accountId: POOLED_ACCOUNT,
        region: 'eu-west-1',
        dataAccessRoleArn: roleArn(POOLED_ACCOUNT, POOLED_DATA.dataAccessRole),
      },
    });
    ssm
      .on(GetParameterCommand, { Name: directoryEntryName(DEDICATED) })
      .resolves(parameter(directoryEntryName(DEDICATED), withPool));
    ssm
      .on(GetParameterCommand, { Name: directoryEntryName(POOLED) })
      .resolves(parameter(directoryEntryName(POOLED), entry(POOLED, 'pooled', POOLED_ACCOUNT)));
    ssm.on(GetParametersCommand).resolves(locations('/panops/pooled/'));
    sts.on(AssumeRoleCommand).resolves(session(6));
    const [pooledExit, dedicatedExit] = await Effect.runPromise(
      Effect.gen(function* () {
        const directory = yield* CustomerDirectory;
        return [
          yield* Effect.exit(directory.locate(DEDICATED, 'pooled')),
          yield* Effect.exit(directory.locate(POOLED, 'dedicated')),
        ];
      }).pipe(
        Effect.provide(ssmCustomerDirectoryLayer({ ssm: { region: 'eu-west-1' }, sts: { region: 'eu-west-1' } })),
      ),
    );
    expect(pooledExit && Exit.isSuccess(pooledExit) && pooledExit.value).toMatchObject({
      customerId: DEDICATED,
      tier: 'pooled',
      accountId: POOLED_ACCOUNT,
      archive: { keyPrefix: `customers/${DEDICATED}/` },
    });
    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toMatchObject({
      RoleArn: roleArn(POOLED_ACCOUNT, POOLED_DATA.dataAccessRole),
      Tags: [{ Key: 'panops:customer-id', Value: DEDICATED }],
    });
    // A pooled customer has no dedicated location until it is promoted.
    const error = dedicatedExit && Exit.isFailure(dedicatedExit) ? Exit.findErrorOption(dedicatedExit) : undefined;
    expect(error?._tag === 'Some' && error.value._tag).toBe('CustomerLocationMissing');
    expect(error?._tag === 'Some' && error.value.message).toContain('no dedicated location');
  });
});
