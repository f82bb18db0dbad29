import { Config, Effect, Layer, Option, Redacted, Schema } from 'effect';
import { RUNTIME_ENV } from '../../contracts/runtime-env.js';
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

const LocalArchiveTarget = Schema.Struct({
  bucket: Schema.String,
  kmsKeyId: Schema.String,
  keyPrefix: Schema.optional(Schema.String),
  bucketKeyEnabled: Schema.optional(Schema.Boolean),
});

/** What the local override says, its database URLs redacted (they carry passwords). */
export interface LocalDirectoryOverride {
  readonly archiveTargets: Readonly<Record<string, typeof LocalArchiveTarget.Type>>;
  readonly customerDatabases: Readonly<Record<string, Redacted.Redacted>>;
  readonly databaseUrl: Option.Option<Redacted.Redacted>;
  readonly region: string;
}

/** A JSON object variable; malformed JSON or entries fail with a ConfigError naming the variable. */
const jsonObject = <T, E>(value: Schema.Codec<T, E>, name: string) =>
  Config.option(Config.schema(Schema.fromJsonString(Schema.Record(Schema.String, value)), name));

/**
 * The local override, `None` when none of its variables is set (what the
 * shared compute stack deploys: the AWS directory serves).
 */
export const localDirectoryOverride: Config.Config<Option.Option<LocalDirectoryOverride>> = Config.all({
  archiveTargets: jsonObject(LocalArchiveTarget, LOCAL_DIRECTORY_ENV.archiveTargets),
  customerDatabases: jsonObject(Schema.RedactedFromValue(Schema.String), LOCAL_DIRECTORY_ENV.customerDatabases),
  databaseUrl: Config.option(Config.Redacted(LOCAL_DIRECTORY_ENV.databaseUrl)),
  region: Config.String(RUNTIME_ENV.region).pipe(Config.withDefault('local')),
}).pipe(
  Config.map(({ archiveTargets, customerDatabases, databaseUrl, region }) =>
    Option.isNone(archiveTargets) && Option.isNone(customerDatabases) && Option.isNone(databaseUrl)
      ? Option.none()
      : Option.some({
          archiveTargets: Option.getOrElse(archiveTargets, () => ({})),
          customerDatabases: Option.getOrElse(customerDatabases, () => ({})),
          databaseUrl,
          region,
        }),
  ),
);

/**
 * The local override, for running the AWS entry points outside AWS: archive
 * targets from `ARCHIVE_TARGETS`, databases from `PANOPS_CUSTOMER_DATABASES`
 * or `DATABASE_URL`, the process's own credentials. A customer without both
 * is refused with what is missing (the deployed directory always has both).
 */
export const localCustomerDirectoryLayer = (override: LocalDirectoryOverride): Layer.Layer<CustomerDirectory> => {
  const { archiveTargets: archives, customerDatabases: databases } = override;
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
        const databaseUrl = ownDatabase ?? Option.getOrUndefined(override.databaseUrl);
        if (!known.has(id) && Option.isNone(override.databaseUrl))
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
          region: override.region,
          dataAccessRoleArn: '(local: the process’s own credentials)',
          archive: {
            bucket: archive.bucket,
            kmsKeyArn: archive.kmsKeyId,
            keyPrefix: archive.keyPrefix ?? '',
            bucketKeyEnabled: archive.bucketKeyEnabled ?? !archive.keyPrefix,
          },
          database: databaseLocationFromUrl(Redacted.value(databaseUrl)),
        } satisfies CustomerLocation;
      }),
    }),
  );
};
