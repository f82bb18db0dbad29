import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ControlCatalogServiceError, restJsonErrorType } from './control-catalog-api.js';

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
  const endpoint = new URL(options.endpoint ?? `https://controltower.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: 'controltower',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const send = options.fetch ?? fetch;
  return async (path, input) => {
    const body = JSON.stringify(input);
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path,
      headers: { host: endpoint.host, 'content-type': 'application/json' },
      body,
    });
    const response = await send(new URL(path, endpoint), { method: 'POST', headers: signed.headers, body });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (!response.ok) {
      const type = restJsonErrorType(response.status, response.headers.get('x-amzn-errortype'), parsed);
      const message = (parsed as { message?: string; Message?: string } | undefined) ?? {};
      throw new ControlCatalogServiceError(
        type,
        message.message ?? message.Message ?? `HTTP ${response.status}`,
        response.status,
      );
    }
    return parsed ?? {};
  };
};
