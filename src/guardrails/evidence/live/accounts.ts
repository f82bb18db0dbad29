import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { roleArn } from '../../../contracts/names.js';
import { ACCOUNT_ACCESS_ROLE } from '../../../org/accounts/customer-accounts.js';

/** Static credentials (an assumed-role session, or an emulator's dummy keys). */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** The SDK clients of one account and region, read-only. */
export interface AccountClients {
  readonly cloudformation: CloudFormationClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly cloudtrail: CloudTrailClient;
  readonly config: ConfigServiceClient;
}

/** Hands out the clients of any account of the organization; `destroy` closes them all. */
export interface AccountAccess {
  /** How member accounts are read, for the report. */
  readonly description: string;
  /** The account whose credentials the run has (the management account). */
  readonly callerAccount: () => Promise<string>;
  readonly clients: (account: string, region: string) => Promise<AccountClients>;
  readonly destroy: () => void;
}

/**
 * AWS's managed ReadOnlyAccess policy, passed as a session policy: "The
 * resulting session's permissions are the intersection of the role's
 * identity-based policy and the session policies"
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_assumerole.html),
 * so even an administrator role reads and cannot write.
 */
export const READ_ONLY_SESSION_POLICY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';

export interface AccountAccessOptions {
  /** Endpoint, credentials and region for every client (an emulator in tests); the SDK's default chain otherwise. */
  readonly client?: {
    readonly endpoint?: string;
    readonly region?: string;
    readonly credentials?: Credentials;
  };
  /**
   * The role assumed in each member account. The organization defines no
   * dedicated audit role: the accounts the organization creates trust the
   * management account through AWSControlTowerExecution
   * (src/org/accounts/customer-accounts.ts), narrowed here to read-only by
   * the session policy. @default AWSControlTowerExecution
   */
  readonly roleName?: string;
}

/**
 * The management account is read with the caller's own credentials; every
 * other account through `roleName`, assumed from them with the ReadOnlyAccess
 * session policy. One session per account, reused for every region.
 */
export const organizationAccess = (options: AccountAccessOptions = {}): AccountAccess => {
  const base = options.client ?? {};
  const roleName = options.roleName ?? ACCOUNT_ACCESS_ROLE;
  const sts = new STSClient({ ...base, region: base.region ?? 'us-east-1' });
  let caller: Promise<string> | undefined;
  const sessions = new Map<string, Promise<Credentials | undefined>>();
  const made = new Map<string, AccountClients>();
  const callerAccount = () => {
    caller ??= sts.send(new GetCallerIdentityCommand({})).then((id) => id.Account ?? '');
    return caller;
  };
  const credentialsFor = (account: string): Promise<Credentials | undefined> => {
    let session = sessions.get(account);
    if (!session) {
      session = callerAccount().then(async (self) => {
        if (self === account) return base.credentials;
        const assumed = await sts.send(
          new AssumeRoleCommand({
            RoleArn: roleArn(account, roleName),
            RoleSessionName: 'panops-compliance-live',
            PolicyArns: [{ arn: READ_ONLY_SESSION_POLICY }],
            DurationSeconds: 3600,
          }),
        );
        const c = assumed.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey)
          throw new Error(`sts:AssumeRole ${roleArn(account, roleName)} returned no credentials`);
        return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
      });
      sessions.set(account, session);
    }
    return session;
  };
  return {
    description: `management account with the caller's credentials; member accounts through role ${roleName}, session limited to ${READ_ONLY_SESSION_POLICY}`,
    callerAccount,
    clients: async (account, region) => {
      const credentials = await credentialsFor(account);
      const key = `${account}/${region}`;
      const existing = made.get(key);
      if (existing) return existing;
      const config = { ...base, region, ...(credentials ? { credentials } : {}) };
      const clients: AccountClients = {
        cloudformation: new CloudFormationClient(config),
        s3: new S3Client({ ...config, forcePathStyle: base.endpoint !== undefined }),
        kms: new KMSClient(config),
        cloudtrail: new CloudTrailClient(config),
        config: new ConfigServiceClient(config),
      };
      made.set(key, clients);
      return clients;
    },
    destroy: () => {
      for (const clients of made.values()) for (const client of Object.values(clients)) client.destroy();
      sts.destroy();
    },
  };
};
