import { GetParameterCommand, GetParametersCommand, SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import type { STSClientConfig } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Cache, Duration, Effect, Exit, Layer, Schema } from 'effect';
import { directoryEntryName, type LocationLeaf } from '../../contracts/directory.js';
import { pooledArchivePrefix } from '../../contracts/pooled-data.js';
import { causeMessage } from '../aws/scoped-client.js';
import { CustomerDirectory, type CustomerLocation, type CustomerTier, DirectoryEntry } from './customer-directory.js';
import { awsErrorName, dataAccountReadFailure, directoryReader, publishedLocationsOf } from './directory-reader.js';
import { CustomerLocationMissing, CustomerNotFound, type DirectoryError, DirectoryUnavailable } from './errors.js';

export interface SsmCustomerDirectoryOptions {
  /** Client settings for the shared compute account's own SSM (the entries). @default the SDK's defaults (the function's region) */
  readonly ssm?: SSMClientConfig;
  /** Client settings for STS (regional endpoint through the VPC endpoint). @default the SDK's defaults */
  readonly sts?: STSClientConfig;
  /** How long a resolved location is reused. Bucket and endpoint names change only on redeploy. @default 5 minutes */
  readonly timeToLive?: Duration.Input;
  /** How long a configuration gap (no entry, missing parameters) is remembered, so a burst for an unknown customer costs one lookup. @default 30 seconds */
  readonly missingTimeToLive?: Duration.Input;
  /** Locations held at once. @default 2000 */
  readonly capacity?: number;
  /** Start of every session name, for the data account's CloudTrail (`<prefix>-<customer id>`). @default 'panops' */
  readonly sessionNamePrefix?: string;
}

/** STS and SSM answers that no retry can change: the role or the parameters are not there for us. */

/**
 * The AWS customer directory. For each customer (then cached):
 * 1. its entry `/panops/customers/<id>` in this (shared compute) account:
 *    tier, account, region, data-access role — written at synth from the blueprint;
 * 2. a session of that role (`sts:AssumeRole`; pooled customers with the
 *    `panops:customer-id` session tag the pooled role requires);
 * 3. with that session, the locations the data account publishes about
 *    itself (`/panops/customer/...` or `/panops/pooled/...`): bucket, key,
 *    database endpoint, port, name, user, login method.
 * The session's credentials travel with the location, so the archive and
 * the database token are made with exactly the role the customer trusts.
 */
export const ssmCustomerDirectoryLayer = (options: SsmCustomerDirectoryOptions = {}): Layer.Layer<CustomerDirectory> =>
  Layer.effect(
    CustomerDirectory,
    Effect.gen(function* () {
      const { ssm, sessionFor } = yield* directoryReader({
        ...options,
        sessionNamePrefix: options.sessionNamePrefix ?? 'panops',
      });

      const readEntry = (customerId: string) => readDirectoryEntry(ssm, customerId);

      const readLocations = (entry: DirectoryEntry, credentials: AwsCredentialIdentityProvider) => {
        const { customerId, accountId } = entry;
        const { root, names } = publishedLocationsOf(entry);
        const refused = dataAccountReadFailure({
          customerId,
          accountId,
          roleArn: entry.dataAccessRoleArn,
          parameters: `${root}*`,
          refusal: (message) =>
            `the data account refused (${message}): deploy its stack, which creates the role and publishes the locations`,
        });
        // The session first, on its own: a refusal there names the role, not the parameters.
        return Effect.tryPromise({ try: () => credentials(), catch: refused }).pipe(
          Effect.andThen(
            Effect.acquireUseRelease(
              Effect.sync(() => new SSMClient({ region: entry.region, credentials })),
              (client) =>
                Effect.tryPromise({
                  try: (signal) =>
                    client.send(new GetParametersCommand({ Names: Object.values(names) }), { abortSignal: signal }),
                  catch: refused,
                }),
              (client) => Effect.sync(() => client.destroy()),
            ),
          ),
          Effect.flatMap((out) => {
            const values = new Map((out.Parameters ?? []).map((p) => [p.Name, p.Value]));
            const missing = (Object.keys(names) as LocationLeaf[]).filter((leaf) => !values.get(names[leaf]));
            if (missing.length > 0)
              return Effect.fail(
                new CustomerLocationMissing({
                  customerId,
                  accountId,
                  missing: missing.map((leaf) => names[leaf]),
                  detail: 'the data account does not publish where its data is',
                }),
              );
            return toLocation(entry, credentials, (leaf) => values.get(names[leaf]) as string);
          }),
        );
      };

      const lookup = (key: string): Effect.Effect<CustomerLocation, DirectoryError> => {
        const [customerId = '', tier] = key.split('|') as [string, CustomerTier | ''];
        return Effect.gen(function* () {
          const entry = onTier(yield* readEntry(customerId), tier || undefined);
          if (!entry)
            return yield* new CustomerLocationMissing({
              customerId,
              accountId: 'unknown',
              missing: [directoryEntryName(customerId)],
              detail: `the directory entry has no ${tier} location (not promoted, or no pooled cluster)`,
            });
          const credentials = sessionFor(entry, entry.dataAccessRoleArn);
          return yield* readLocations(entry, credentials);
        }).pipe(Effect.withSpan('CustomerDirectory.lookup', { attributes: { customerId, tier } }));
      };

      const ttl = options.timeToLive ?? '5 minutes';
      const missingTtl = options.missingTimeToLive ?? '30 seconds';
      const cache = yield* Cache.makeWith(lookup, {
        capacity: options.capacity ?? 2000,
        // Outages are not remembered (the next job asks again); gaps briefly are.
        timeToLive: (exit) => {
          if (Exit.isSuccess(exit)) return ttl;
          const error = Exit.findErrorOption(exit);
          return error._tag === 'Some' && error.value._tag !== 'DirectoryUnavailable' ? missingTtl : Duration.zero;
        },
      });

      return CustomerDirectory.of({
        locate: Effect.fn('CustomerDirectory.locate')(function* (customerId: string, tier?: CustomerTier) {
          return yield* Cache.get(cache, `${String(customerId).toLowerCase()}|${tier ?? ''}`);
        }),
      });
    }),
  );

/** A customer's entry in this (shared compute) account's directory, refused when absent, unreadable or someone else's. */
export const readDirectoryEntry = (ssm: SSMClient, customerId: string): Effect.Effect<DirectoryEntry, DirectoryError> =>
  Effect.gen(function* () {
    const parameter = directoryEntryName(customerId);
    const value = yield* Effect.tryPromise({
      try: (signal) =>
        ssm.send(new GetParameterCommand({ Name: parameter }), { abortSignal: signal }).then(
          (out) => out.Parameter?.Value,
          (cause) => {
            if (awsErrorName(cause) === 'ParameterNotFound') return undefined;
            throw cause;
          },
        ),
      catch: (cause) => new DirectoryUnavailable({ customerId, step: 'entry', detail: causeMessage(cause) }),
    });
    if (value === undefined) return yield* new CustomerNotFound({ customerId, parameter });
    const entry = yield* Schema.decodeUnknownEffect(Schema.fromJsonString(DirectoryEntry))(value).pipe(
      Effect.mapError(
        (e) =>
          new CustomerLocationMissing({
            customerId,
            accountId: 'unknown',
            missing: [parameter],
            detail: `the directory entry is not one this worker reads (${e.message})`,
          }),
      ),
    );
    if (entry.customerId.toLowerCase() !== customerId)
      return yield* new CustomerLocationMissing({
        customerId,
        accountId: entry.accountId,
        missing: [parameter],
        detail: `the directory entry names another customer (${entry.customerId})`,
      });
    return entry;
  });

/** The entry as seen on `tier`: itself, its pooled location (a dedicated customer still in the pool), or nothing. */
const onTier = (entry: DirectoryEntry, tier: CustomerTier | undefined): DirectoryEntry | undefined => {
  if (tier === undefined || tier === entry.tier) return entry;
  if (tier === 'pooled' && entry.pooled) return { ...entry, ...entry.pooled, tier: 'pooled', pooled: undefined };
  return undefined;
};

/** The location from the published values, refusing values this worker cannot use. */
const toLocation = (
  entry: DirectoryEntry,
  credentials: AwsCredentialIdentityProvider,
  value: (leaf: LocationLeaf) => string,
): Effect.Effect<CustomerLocation, CustomerLocationMissing> => {
  const port = Number(value('databasePort'));
  const auth = value('databaseAuth');
  const { names } = publishedLocationsOf(entry);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    return Effect.fail(
      new CustomerLocationMissing({
        customerId: entry.customerId,
        accountId: entry.accountId,
        missing: [names.databasePort],
        detail: `the database port is not a port (${value('databasePort')})`,
      }),
    );
  if (auth !== 'iam')
    return Effect.fail(
      new CustomerLocationMissing({
        customerId: entry.customerId,
        accountId: entry.accountId,
        missing: [names.databaseAuth],
        detail: `the database login method ${JSON.stringify(auth)} is not one the workers support (iam)`,
      }),
    );
  return Effect.succeed({
    customerId: entry.customerId.toLowerCase(),
    tier: entry.tier,
    accountId: entry.accountId,
    region: entry.region,
    dataAccessRoleArn: entry.dataAccessRoleArn,
    archive: {
      bucket: value('archiveBucket'),
      kmsKeyArn: value('archiveKeyArn'),
      keyPrefix: entry.tier === 'pooled' ? pooledArchivePrefix(entry.customerId) : '',
      bucketKeyEnabled: entry.tier !== 'pooled',
    },
    database: {
      host: value('databaseEndpoint'),
      port,
      name: value('databaseName'),
      user: value('databaseUser'),
      auth: { method: 'iam' },
      tls: true,
    },
    credentials,
  });
};
