import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { ControlCatalogServiceError, restJsonErrorType } from './control-catalog-api.js';

/**
 * The two read-only Control Tower landing zone operations the preflight
 * needs, over Control Tower's REST-JSON protocol. `@aws-sdk/client-controltower`
 * in this registry stops at 3.332.0, before the landing zone APIs, so the
 * requests are built here and signed with the SDK's SigV4 signer.
 *
 * Protocol (Control Tower API reference, read 2026-12-04):
 * ListLandingZones `POST /list-landingzones` `{ maxResults?, nextToken? }` →
 * `{ landingZones: [{ arn }], nextToken? }`
 * (https://docs.aws.amazon.com/controltower/latest/APIReference/API_ListLandingZones.html);
 * GetLandingZone `POST /get-landingzone` `{ landingZoneIdentifier }` →
 * `{ landingZone: { arn, status: ACTIVE|PROCESSING|FAILED, version, latestAvailableVersion, driftStatus: { status } } }`
 * (https://docs.aws.amazon.com/controltower/latest/APIReference/API_GetLandingZone.html,
 * https://docs.aws.amazon.com/controltower/latest/APIReference/API_LandingZoneDetail.html).
 */
export interface LandingZoneDetail {
  readonly arn?: string;
  readonly status?: 'ACTIVE' | 'PROCESSING' | 'FAILED' | string;
  readonly version?: string;
  readonly latestAvailableVersion?: string;
  readonly driftStatus?: { readonly status?: string };
}

export interface LandingZoneApi {
  readonly listLandingZones: (nextToken: string | undefined) => Promise<{ arns: string[]; nextToken?: string }>;
  readonly getLandingZone: (arn: string) => Promise<LandingZoneDetail>;
}

export interface LandingZoneApiOptions {
  /** The Control Tower home region. */
  readonly region: string;
  /** @default `https://controltower.<region>.amazonaws.com` (a local server in tests) */
  readonly endpoint?: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
}

export const landingZoneApi = (options: LandingZoneApiOptions): LandingZoneApi => {
  const endpoint = new URL(options.endpoint ?? `https://controltower.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({
    service: 'controltower',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const send = options.fetch ?? fetch;
  const post = async (path: string, input: Record<string, unknown>): Promise<unknown> => {
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
  return {
    listLandingZones: async (nextToken) => {
      const out = (await post('/list-landingzones', nextToken ? { nextToken } : {})) as {
        landingZones?: { arn?: string }[];
        nextToken?: string;
      };
      return {
        arns: (out.landingZones ?? []).map((z) => z.arn ?? '').filter(Boolean),
        ...(out.nextToken ? { nextToken: out.nextToken } : {}),
      };
    },
    getLandingZone: async (arn) => {
      const out = (await post('/get-landingzone', { landingZoneIdentifier: arn })) as {
        landingZone?: LandingZoneDetail;
      };
      return out.landingZone ?? {};
    },
  };
};
