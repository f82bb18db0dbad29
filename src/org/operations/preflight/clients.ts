import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { Effect } from 'effect';
import { ACCOUNT_ACCESS_ROLE } from '../../accounts/customer-accounts.js';
import { type AwsError, awsCall, DEFAULT_RETRY, type RetryPolicy } from '../aws-errors.js';

/**
 * The SDK clients the preflight reads with: the management account's own
 * (its credentials, as `deploy` uses them), and for each account a stack
 * deploys to, clients on credentials of the role Control Tower and
 * Organizations create in every member account (`AWSControlTowerExecution`,
 * trusted by the management account). Nothing here writes.
 */
export interface ClientSettings {
  /** A local emulator in tests. @default the AWS endpoint of each service */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly retry?: RetryPolicy;
}

export interface AccountClients {
  readonly accountId: string;
  readonly region: string;
  readonly ssm: SSMClient;
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly serviceQuotas: ServiceQuotasClient;
  readonly iam: IAMClient;
}

export interface PreflightClients {
  readonly settings: ClientSettings;
  readonly homeRegion: string;
  /** Organizations is served from us-east-1. */
  readonly organizations: OrganizationsClient;
  readonly cloudFormation: CloudFormationClient;
  /** The account the credentials belong to (GetCallerIdentity). */
  readonly callerAccount: () => Effect.Effect<string, AwsError>;
  /** Clients in `accountId`/`region`: the caller's own when it is that account, else through the assumed role. */
  readonly inAccount: (accountId: string, region: string) => Effect.Effect<AccountClients, AwsError>;
}

const base = (settings: ClientSettings, region: string) => ({
  region,
  ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  ...(settings.credentials ? { credentials: settings.credentials } : {}),
});

export const preflightClients = (homeRegion: string, settings: ClientSettings = {}): PreflightClients => {
  const retry = settings.retry ?? DEFAULT_RETRY;
  const sts = new STSClient(base(settings, homeRegion));
  let caller: string | undefined;
  const callerAccount = () =>
    caller
      ? Effect.succeed(caller)
      : awsCall('sts', 'GetCallerIdentity', () => sts.send(new GetCallerIdentityCommand({})), retry).pipe(
          Effect.map((out) => {
            caller = out.Account ?? '';
            return caller;
          }),
        );
  const assumed = new Map<string, AwsCredentialIdentity>();
  const credentialsFor = (accountId: string) =>
    Effect.gen(function* () {
      if ((yield* callerAccount()) === accountId) return settings.credentials;
      const known = assumed.get(accountId);
      if (known) return known;
      const out = yield* awsCall(
        'sts',
        'AssumeRole',
        () =>
          sts.send(
            new AssumeRoleCommand({
              RoleArn: `arn:aws:iam::${accountId}:role/${ACCOUNT_ACCESS_ROLE}`,
              RoleSessionName: 'panops-preflight',
            }),
          ),
        retry,
      );
      const c = out.Credentials;
      const credentials: AwsCredentialIdentity = {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        ...(c?.SessionToken ? { sessionToken: c.SessionToken } : {}),
      };
      assumed.set(accountId, credentials);
      return credentials;
    });
  return {
    settings,
    homeRegion,
    organizations: new OrganizationsClient(base(settings, 'us-east-1')),
    cloudFormation: new CloudFormationClient(base(settings, homeRegion)),
    callerAccount,
    inAccount: (accountId, region) =>
      credentialsFor(accountId).pipe(
        Effect.map((credentials) => {
          const config = { ...base(settings, region), ...(credentials ? { credentials } : {}) };
          return {
            accountId,
            region,
            ssm: new SSMClient(config),
            cloudFormation: new CloudFormationClient(config),
            lambda: new LambdaClient(config),
            serviceQuotas: new ServiceQuotasClient(config),
            iam: new IAMClient(config),
          };
        }),
      ),
  };
};
