import { type Config, Effect, Exit, Layer, Redacted } from 'effect';
import { describe, expect, it } from 'vitest';
import { CustomerDirectory } from '../../../src/services/directory/customer-directory.js';
import { customerDirectoryLayerFor } from '../../../src/services/directory/environment.js';
import { memoryCustomerDirectoryLayer } from '../../../src/services/directory/local.js';
import { envConfigLayer } from '../../support/config.js';

const A = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const B = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';

/** The directory the entry points build (`customerDirectoryLayerFor`) over this environment. */
const envCustomerDirectoryLayer = (env: Record<string, string>) =>
  customerDirectoryLayerFor().pipe(Layer.provide(envConfigLayer(env)));

const locate = (layer: Layer.Layer<CustomerDirectory, Config.ConfigError>, customerId: string) =>
  Effect.runPromise(
    Effect.gen(function* () {
      const directory = yield* CustomerDirectory;
      return yield* Effect.exit(directory.locate(customerId));
    }).pipe(Effect.provide(layer)),
  );

const errorOf = (exit: Exit.Exit<unknown, { _tag: string }>) => {
  const error = Exit.isFailure(exit) ? Exit.findErrorOption(exit) : undefined;
  return error?._tag === 'Some' ? error.value : undefined;
};

describe('the local directory override (entry points run outside AWS)', () => {
  const env = {
    ARCHIVE_TARGETS: JSON.stringify({
      [A]: { bucket: 'acme-archive', kmsKeyId: 'alias/acme' },
      [B.toUpperCase()]: { bucket: 'pool', kmsKeyId: 'alias/pool', keyPrefix: `customers/${B}/` },
    }),
    PANOPS_CUSTOMER_DATABASES: JSON.stringify({ [A]: 'postgres://panops_app:pw@acme-db:6543/archive?sslmode=require' }),
    DATABASE_URL: 'postgres://panops_app:pooled%20pw@pool-db/panops',
  };

  it('places a customer with its own database as dedicated, parsing the URL into host, port, name, user, password and TLS', async () => {
    const exit = await locate(envCustomerDirectoryLayer(env), A);
    if (!Exit.isSuccess(exit)) throw new Error('expected a location');
    expect(exit.value).toMatchObject({
      tier: 'dedicated',
      archive: { bucket: 'acme-archive', kmsKeyArn: 'alias/acme', keyPrefix: '' },
      database: { host: 'acme-db', port: 6543, name: 'archive', user: 'panops_app', tls: true },
    });
    const auth = exit.value.database.auth;
    expect(auth.method === 'password' && Redacted.value(auth.password)).toBe('pw');
  });

  it('falls back to DATABASE_URL (the shared database) whatever the case of the configured id', async () => {
    const exit = await locate(envCustomerDirectoryLayer(env), B);
    if (!Exit.isSuccess(exit)) throw new Error('expected a location');
    expect(exit.value).toMatchObject({
      tier: 'pooled',
      archive: { keyPrefix: `customers/${B}/` },
      database: { host: 'pool-db', port: 5432, name: 'panops', tls: false },
    });
  });

  it('names what is missing for a customer with a database but no archive target', async () => {
    const exit = await locate(
      envCustomerDirectoryLayer({ PANOPS_CUSTOMER_DATABASES: env.PANOPS_CUSTOMER_DATABASES }),
      A,
    );
    expect(errorOf(exit)).toMatchObject({ _tag: 'CustomerLocationMissing', missing: [`ARCHIVE_TARGETS["${A}"]`] });
  });

  it('does not know a customer that no variable names, and the in-memory directory refuses unknown ids too', async () => {
    const exit = await locate(
      envCustomerDirectoryLayer({ ARCHIVE_TARGETS: env.ARCHIVE_TARGETS }),
      '5d1e7c3a-9b2f-4a6e-8c0d-1e2f3a4b5c6d',
    );
    expect(errorOf(exit)?._tag).toBe('CustomerNotFound');
    expect(errorOf(await locate(memoryCustomerDirectoryLayer([]), A))?._tag).toBe('CustomerNotFound');
  });

  it('refuses a malformed override when the directory is built, naming the variable and the entry', async () => {
    const build = (overrides: Record<string, string>) =>
      Effect.runPromise(Effect.flip(Effect.provide(Effect.void, envCustomerDirectoryLayer(overrides))));
    const noBucket = await build({ ARCHIVE_TARGETS: JSON.stringify({ [A]: { kmsKeyId: 'alias/acme' } }) });
    expect(noBucket._tag).toBe('ConfigError');
    expect(noBucket.message).toContain(`["ARCHIVE_TARGETS"]["${A}"]["bucket"]`);
    expect((await build({ PANOPS_CUSTOMER_DATABASES: '{nope' })).message).toContain('PANOPS_CUSTOMER_DATABASES');
  });
});
