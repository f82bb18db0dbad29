import { Effect, Layer, Redacted } from 'effect';
import { jsonObjectFromEnv } from '../runtime/env-json.js';
import {
  CustomerDirectory,
  type CustomerLocation,
  type CustomerTier,
  type DatabaseLocation,
} from './customer-directory.js';
import { CustomerLocationMissing, CustomerNotFound } from './errors.js';

/**
 * Fixed locations (tests, local runs): an unknown customer is `CustomerNotFound`, never a default.
 * A customer may have one location per tier (a promotion in progress).
 */
export const memoryCustomerDirectoryLayer = (locations: readonly CustomerLocation[]): Layer.Layer<CustomerDirectory> =>
  Layer.succeed(
    CustomerDirectory,
    CustomerDirectory.of({
      locate: Effect.fn('CustomerDirectory.locate')(function* (customerId: string, tier?: CustomerTier) {
        const id = String(customerId).toLowerCase();
        const found = locations.find((l) => l.customerId.toLowerCase() === id && (!tier || l.tier === tier));
        if (found) return found;
        return yield* locations.some((l) => l.customerId.toLowerCase() === id)
          ? new CustomerLocationMissing({
              customerId: id,
              accountId: 'unknown',
              missing: [`${tier} location`],
              detail: 'the in-memory directory has no location on that tier',
            })
          : new CustomerNotFound({ customerId: id, parameter: '(in-memory directory)' });
      }),
    }),
  );

/** A `postgres://user:password@host:port/name` URL as a database location with password login. */
export const databaseLocationFromUrl = (url: string): DatabaseLocation => {
  const parsed = new URL(url);
  const sslmode = parsed.searchParams.get('sslmode');
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 5432,
    name: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
    user: decodeURIComponent(parsed.username) || 'postgres',
    auth: { method: 'password', password: Redacted.make(decodeURIComponent(parsed.password)) },
    tls: sslmode !== null && sslmode !== 'disable',
  };
};

/** The environment variables of the local override (the names the entry points read before the directory). */
export const LOCAL_DIRECTORY_ENV = {
  /** `{ "<customer id>": { "bucket": "...", "kmsKeyId": "...", "keyPrefix"?: "...", "bucketKeyEnabled"?: false } }`. */
  archiveTargets: 'ARCHIVE_TARGETS',
  /** `{ "<customer id>": "postgres://..." }`: a customer's own database. */
  customerDatabases: 'PANOPS_CUSTOMER_DATABASES',
  /** One database for every customer without its own. */
  databaseUrl: 'DATABASE_URL',
} as const;

/** Whether the environment carries the local override (any of its variables set). */
export const hasLocalDirectoryOverride = (env: NodeJS.ProcessEnv): boolean =>
  Object.values(LOCAL_DIRECTORY_ENV).some((name) => Boolean(env[name]));

const jsonObject = <T>(env: NodeJS.ProcessEnv, name: string) => jsonObjectFromEnv<T>(env, name, 'customer directory');

/**
 * The local override, for running the AWS entry points outside AWS: archive
 * targets from `ARCHIVE_TARGETS`, databases from `PANOPS_CUSTOMER_DATABASES`
 * or `DATABASE_URL`, the process's own credentials. A customer without both
 * is refused with what is missing (the deployed directory always has both).
 */
export const envCustomerDirectoryLayer = (env: NodeJS.ProcessEnv): Layer.Layer<CustomerDirectory> => {
  const archives = jsonObject<{ bucket: string; kmsKeyId: string; keyPrefix?: string; bucketKeyEnabled?: boolean }>(
    env,
    LOCAL_DIRECTORY_ENV.archiveTargets,
  );
  const databases = jsonObject<string>(env, LOCAL_DIRECTORY_ENV.customerDatabases);
  const lower = (record: Readonly<Record<string, unknown>>) => new Set(Object.keys(record).map((k) => k.toLowerCase()));
  const known = new Set([...lower(archives), ...lower(databases)]);
  const pick = <T>(record: Readonly<Record<string, T>>, id: string): T | undefined =>
    Object.entries(record).find(([key]) => key.toLowerCase() === id)?.[1];
  return Layer.succeed(
    CustomerDirectory,
    CustomerDirectory.of({
      locate: Effect.fn('CustomerDirectory.locate')(function* (customerId: string) {
        const id = String(customerId).toLowerCase();
        const archive = pick(archives, id);
        const ownDatabase = pick(databases, id);
        const databaseUrl = ownDatabase ?? env[LOCAL_DIRECTORY_ENV.databaseUrl];
        if (!known.has(id) && !env[LOCAL_DIRECTORY_ENV.databaseUrl])
          return yield* new CustomerNotFound({ customerId: id, parameter: '(local environment)' });
        const missing = [
          ...(archive ? [] : [`${LOCAL_DIRECTORY_ENV.archiveTargets}["${id}"]`]),
          ...(databaseUrl ? [] : [`${LOCAL_DIRECTORY_ENV.customerDatabases}["${id}"] or DATABASE_URL`]),
        ];
        if (!archive || !databaseUrl)
          return yield* new CustomerLocationMissing({
            customerId: id,
            accountId: 'local',
            missing,
            detail: 'the local environment does not say where this customer’s data is',
          });
        return {
          customerId: id,
          tier: ownDatabase ? 'dedicated' : 'pooled',
          accountId: 'local',
          region: env.AWS_REGION ?? 'local',
          dataAccessRoleArn: '(local: the process’s own credentials)',
          archive: {
            bucket: archive.bucket,
            kmsKeyArn: archive.kmsKeyId,
            keyPrefix: archive.keyPrefix ?? '',
            bucketKeyEnabled: archive.bucketKeyEnabled ?? !archive.keyPrefix,
          },
          database: databaseLocationFromUrl(databaseUrl),
        } satisfies CustomerLocation;
      }),
    }),
  );
};
