import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * The one AWS Control Catalog operation PanOps needs, ListControls, over its
 * REST-JSON protocol. The registry this project installs from has no
 * `@aws-sdk/client-controlcatalog`, so the request is built here and signed
 * with the SDK's own SigV4 signer (`@smithy/signature-v4`).
 *
 * Protocol (Control Catalog API reference, ListControls, read 2026-12-04):
 * `POST /list-controls?maxResults=<1..100>&nextToken=<token>` with an optional
 * JSON body `{ "Filter": ... }`; the answer is
 * `{ "Controls": [{ "Arn", "Aliases": ["CT.S3.PR.1", ...], "Name", ... }], "NextToken" }`,
 * ARNs in the global form `arn:aws:controlcatalog:::control/<id>`.
 * Errors follow REST-JSON: the type in the `x-amzn-errortype` header (or
 * `__type`/`code` in the body), e.g. ThrottlingException on HTTP 429.
 */

export interface ControlSummary {
  readonly Arn: string;
  readonly Aliases?: readonly string[];
  readonly Name?: string;
}

export interface ListControlsPage {
  readonly Controls: readonly ControlSummary[];
  readonly NextToken?: string;
}

/** The largest page ListControls returns. */
export const LIST_CONTROLS_MAX_RESULTS = 100;

/** An error answer of the service, named like an SDK exception so `classifyAwsError` can sort it. */
export class ControlCatalogServiceError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly httpStatus: number,
  ) {
    super(message);
  }
}

export interface ControlCatalogClientOptions {
  /** Region of the endpoint (Control Catalog is served from the Control Tower home region). */
  readonly region: string;
  /** @default `https://controlcatalog.<region>.amazonaws.com` (a local server in tests) */
  readonly endpoint?: string;
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** @default global fetch */
  readonly fetch?: typeof fetch;
}

/** The error type of a REST-JSON error answer: header first, then body fields, then the HTTP status. */
export const restJsonErrorType = (status: number, header: string | null, body: unknown): string => {
  const fromBody = (body as { __type?: string; code?: string } | undefined) ?? {};
  const raw = header ?? fromBody.__type ?? fromBody.code;
  // `ThrottlingException:http://internal.amazon.com/...` and `aws.controlcatalog#ThrottlingException` both occur.
  if (raw) return raw.split(':')[0]?.split('#').pop() ?? raw;
  if (status === 429) return 'ThrottlingException';
  if (status >= 500) return 'InternalServerException';
  return `HTTP${status}`;
};

export interface ControlCatalogClient {
  readonly listControls: (nextToken: string | undefined) => Promise<ListControlsPage>;
}

/** A REST-JSON answer: the parsed body (undefined when it is not JSON), its text and status. */
export interface RestJsonAnswer {
  readonly parsed: unknown;
  readonly text: string;
  readonly status: number;
}

/**
 * SigV4-signed REST-JSON POSTs to one AWS service (Control Catalog, and the
 * Control Tower operations the SDK in this registry lacks). A non-2xx answer
 * throws a `ControlCatalogServiceError` named like an SDK exception, so
 * `classifyAwsError` sorts it.
 */
export const signedRestJsonPost = (
  service: string,
  options: ControlCatalogClientOptions,
): ((path: string, query: Record<string, string>, body: string) => Promise<RestJsonAnswer>) => {
  const endpoint = new URL(options.endpoint ?? `https://${service}.${options.region}.amazonaws.com`);
  const signer = new SignatureV4({ service, region: options.region, credentials: options.credentials, sha256: Sha256 });
  const send = options.fetch ?? fetch;
  return async (path, query, body) => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path,
      ...(Object.keys(query).length > 0 ? { query } : {}),
      headers: { host: endpoint.host, 'content-type': 'application/json' },
      body,
    });
    const url = new URL(path, endpoint);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await send(url, { method: 'POST', headers: signed.headers, body });
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
    return { parsed, text, status: response.status };
  };
};

export const controlCatalogClient = (options: ControlCatalogClientOptions): ControlCatalogClient => {
  const post = signedRestJsonPost('controlcatalog', options);
  return {
    listControls: async (nextToken) => {
      const query: Record<string, string> = { maxResults: String(LIST_CONTROLS_MAX_RESULTS) };
      if (nextToken) query.nextToken = nextToken;
      const { parsed, text, status } = await post('/list-controls', query, '{}');
      const page = parsed as Partial<ListControlsPage> | undefined;
      if (!page || !Array.isArray(page.Controls))
        throw new ControlCatalogServiceError(
          'InvalidResponse',
          `ListControls answered without Controls: ${text.slice(0, 200)}`,
          status,
        );
      return { Controls: page.Controls, ...(page.NextToken ? { NextToken: page.NextToken } : {}) };
    },
  };
};
