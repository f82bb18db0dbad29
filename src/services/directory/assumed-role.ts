import { AssumeRoleCommand, type AssumeRoleCommandOutput, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AssumeRoleRequest {
  readonly roleArn: string;
  /** Shows in the data account's CloudTrail as the session; at most 64 characters. */
  readonly sessionName: string;
  /** Session tags (the pooled role requires `panops:customer-id`). @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /** @default 3600 (the data-access roles' maximum session) */
  readonly durationSeconds?: number;
}

/** Thrown when STS refuses: carries the SDK's error name so callers can tell "refused" from "unreachable". */
export class AssumeRoleFailed extends Error {
  constructor(
    readonly roleArn: string,
    readonly errorName: string,
    message: string,
  ) {
    super(`assuming ${roleArn}: ${errorName}: ${message}`);
    this.name = 'AssumeRoleFailed';
  }
}

/**
 * Credentials of one role session, assumed on first use and renewed
 * `refreshBeforeMs` before they expire; concurrent callers share one STS call,
 * and a failed call is not remembered (the next caller tries again).
 */
export const assumedRoleCredentials = (
  sts: STSClient,
  request: AssumeRoleRequest,
  options: { readonly refreshBeforeMs?: number; readonly now?: () => number } = {},
): AwsCredentialIdentityProvider => {
  const refreshBefore = options.refreshBeforeMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let held: { readonly credentials: AwsCredentialIdentity; readonly expiresAt: number } | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;

  const assume = async (): Promise<AwsCredentialIdentity> => {
    let out: AssumeRoleCommandOutput;
    try {
      out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: request.roleArn,
          RoleSessionName: request.sessionName.slice(0, 64),
          DurationSeconds: request.durationSeconds ?? 3600,
          ...(request.tags ? { Tags: Object.entries(request.tags).map(([Key, Value]) => ({ Key, Value })) } : {}),
        }),
      );
    } catch (error) {
      const cause = error as { name?: string; message?: string } | undefined;
      throw new AssumeRoleFailed(request.roleArn, cause?.name ?? 'Error', cause?.message ?? String(error));
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new AssumeRoleFailed(request.roleArn, 'IncompleteCredentials', 'STS returned no complete credentials');
    const credentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
    held = { credentials, expiresAt: c.Expiration.getTime() };
    return credentials;
  };

  return () => {
    if (held && now() < held.expiresAt - refreshBefore) return Promise.resolve(held.credentials);
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    return pending;
  };
};
