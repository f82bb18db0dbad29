import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { signedRestJsonPost } from './control-catalog-api.js';

/**
 * A SigV4-signed REST-JSON POST to Control Tower, for the operations that
 * `@aws-sdk/client-controltower` 3.332.0 (the newest in this registry) lacks:
 * landing zones and enabled baselines. Errors are thrown named like SDK
 * exceptions (`x-amzn-errortype`), so `classifyAwsError` sorts them.
 */
export interface ControlTowerRestOptions {
  /** The Control Tower home region. */
  readonly region: string;
  /** @default `https://controltower.<region>.amazonaws.com` (a local server in tests) */
  readonly endpoint?: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
}

export type ControlTowerPost = (path: string, input: Record<string, unknown>) => Promise<unknown>;

export const controlTowerPost = (options: ControlTowerRestOptions): ControlTowerPost => {
  const post = signedRestJsonPost('controltower', options);
  return async (path, input) => (await post(path, {}, JSON.stringify(input))).parsed ?? {};
};
