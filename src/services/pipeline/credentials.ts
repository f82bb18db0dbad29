import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { Context, Effect, Layer } from 'effect';
import { scopedClient } from '../aws/scoped-client.js';
import { AuthExpired, Transient } from './errors.js';

/** Which connector asks for a token. */
export interface CredentialRequest {
  readonly customerId: string;
  readonly connectorId: string;
  readonly platform: string;
}

/**
 * OAuth access tokens of connectors. A missing or unusable token is
 * `AuthExpired` (the connector is marked for re-authorization); refresh is
 * done by the token keeper that writes the secret, not by the workers.
 */
export class ConnectorCredentials extends Context.Service<
  ConnectorCredentials,
  { readonly accessToken: (request: CredentialRequest) => Effect.Effect<string, AuthExpired | Transient> }
>()('panops/pipeline/ConnectorCredentials') {}

/**
 * The token reader of one platform's connectors: `token(job)` asks for the
 * access token of the connector the job (or webhook delivery) belongs to.
 */
export const connectorTokens = (platform: string) =>
  Effect.gen(function* () {
    const credentials = yield* ConnectorCredentials;
    return (job: { readonly customerId: string; readonly connectorId: string }) =>
      credentials.accessToken({ customerId: job.customerId, connectorId: job.connectorId, platform });
  });

/** The secret holding a connector's token: `panops/<customerId>/<connectorId>`, JSON `{ "accessToken": "..." }`. */
export const credentialSecretName = (r: CredentialRequest): string => `panops/${r.customerId}/${r.connectorId}`;

export const secretsManagerCredentialsLayer = (client: SecretsManagerClientConfig = {}) =>
  Layer.effect(
    ConnectorCredentials,
    scopedClient(() => new SecretsManagerClient(client)).pipe(
      Effect.map((sm) =>
        ConnectorCredentials.of({
          accessToken: Effect.fn('ConnectorCredentials.accessToken')(function* (request: CredentialRequest) {
            const out = yield* Effect.tryPromise({
              try: (signal) =>
                sm.send(new GetSecretValueCommand({ SecretId: credentialSecretName(request) }), {
                  abortSignal: signal,
                }),
              catch: (cause) =>
                (cause as { name?: string }).name === 'ResourceNotFoundException'
                  ? new AuthExpired({
                      platform: request.platform,
                      detail: `no secret ${credentialSecretName(request)}`,
                    })
                  : new Transient({ source: 'secrets', detail: String(cause) }),
            });
            const token = (() => {
              try {
                return (JSON.parse(out.SecretString ?? '{}') as { accessToken?: unknown }).accessToken;
              } catch {
                return undefined;
              }
            })();
            if (typeof token === 'string' && token.length > 0) return token;
            return yield* new AuthExpired({ platform: request.platform, detail: 'the secret holds no accessToken' });
          }),
        }),
      ),
    ),
  );

/** Fixed tokens (tests, local runs against local servers). */
export const staticCredentialsLayer = (token: string) =>
  Layer.succeed(ConnectorCredentials, { accessToken: () => Effect.succeed(token) });
