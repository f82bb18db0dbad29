import { SSMClient, type SSMClientConfig } from '@aws-sdk/client-ssm';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Effect, type Scope } from 'effect';
import { DIRECTORY_PARAMETERS, locationParameterNames } from '../../contracts/directory.js';
import { POOLED_DATA } from '../../contracts/pooled-data.js';
import { causeMessage } from '../aws/scoped-client.js';
import { AssumeRoleFailed, assumedRoleCredentials } from './assumed-role.js';
import type { DirectoryEntry } from './customer-directory.js';
import { CustomerLocationMissing, DirectoryUnavailable } from './errors.js';

export interface DirectoryReaderOptions {
  /** Client settings for the shared compute account's own SSM (the entries). @default the SDK's defaults */
  readonly ssm?: SSMClientConfig;
  /** Client settings for STS (regional endpoint through the VPC endpoint). @default the SDK's defaults */
  readonly sts?: STSClientConfig;
  /** Start of every session name, for the data account's CloudTrail (`<prefix>-<customer id>`). */
  readonly sessionNamePrefix: string;
}

/** What reads the directory: this account's SSM, and sessions of the roles the data accounts trust. */
export interface DirectoryReader {
  readonly ssm: SSMClient;
  /**
   * A renewing session of `roleArn` for the entry's customer, one per role and customer for the life
   * of the reader, however often the location is re-read (pooled customers carry the session tag the
   * pooled role requires).
   */
  readonly sessionFor: (entry: DirectoryEntry, roleArn: string) => AwsCredentialIdentityProvider;
}

/** The directory's SSM and STS clients, closed with the scope, and its session cache. */
export const directoryReader = (options: DirectoryReaderOptions): Effect.Effect<DirectoryReader, never, Scope.Scope> =>
  Effect.gen(function* () {
    const ssm = yield* Effect.acquireRelease(
      Effect.sync(() => new SSMClient(options.ssm ?? {})),
      (client) => Effect.sync(() => client.destroy()),
    );
    const sts = yield* Effect.acquireRelease(
      Effect.sync(() => new STSClient(options.sts ?? {})),
      (client) => Effect.sync(() => client.destroy()),
    );
    const sessions = new Map<string, AwsCredentialIdentityProvider>();
    const sessionFor = (entry: DirectoryEntry, roleArn: string) => {
      const key = `${roleArn}|${entry.customerId}`;
      let session = sessions.get(key);
      if (!session) {
        session = assumedRoleCredentials(sts, {
          roleArn,
          sessionName: `${options.sessionNamePrefix}-${entry.customerId}`,
          ...(entry.tier === 'pooled' ? { tags: { [POOLED_DATA.sessionTag]: entry.customerId } } : {}),
        });
        sessions.set(key, session);
      }
      return session;
    };
    return { ssm, sessionFor };
  });

/** The AWS error name of a failed call or assume-role (`AccessDenied`, `ParameterNotFound`, ...). */
export const awsErrorName = (cause: unknown): string =>
  cause instanceof AssumeRoleFailed ? cause.errorName : ((cause as { name?: string } | undefined)?.name ?? 'Error');

/** Errors that mean the data account is not set up for us (its stack not deployed, or its region off): a gap, not an outage. */
const REFUSED = new Set(['AccessDenied', 'AccessDeniedException', 'RegionDisabledException', 'IncompleteCredentials']);

/** Where a data account publishes its locations: the tier's parameter root and the names under it. */
export const publishedLocationsOf = (entry: Pick<DirectoryEntry, 'tier'>) => {
  const root = entry.tier === 'pooled' ? DIRECTORY_PARAMETERS.pooledRoot : DIRECTORY_PARAMETERS.customerRoot;
  return { root, names: locationParameterNames(root) };
};

export interface DataAccountRead {
  readonly customerId: string;
  readonly accountId: string;
  /** The role whose session is read with: what is missing when the assume-role is refused. */
  readonly roleArn: string;
  /** The parameters read: what is missing when the read is refused. */
  readonly parameters: string;
  /** The refusal's detail, given the cause's message. */
  readonly refusal: (message: string) => string;
}

/** A failed read of a data account: a refusal is a `CustomerLocationMissing` naming the role or parameters; anything else is `DirectoryUnavailable`. */
export const dataAccountReadFailure =
  (read: DataAccountRead) =>
  (cause: unknown): CustomerLocationMissing | DirectoryUnavailable => {
    const assuming = cause instanceof AssumeRoleFailed;
    return REFUSED.has(awsErrorName(cause))
      ? new CustomerLocationMissing({
          customerId: read.customerId,
          accountId: read.accountId,
          missing: [assuming ? read.roleArn : read.parameters],
          detail: read.refusal(causeMessage(cause)),
        })
      : new DirectoryUnavailable({
          customerId: read.customerId,
          step: assuming ? 'assume-role' : 'locations',
          detail: causeMessage(cause),
        });
  };
