import {
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import { Clock, Context, Effect, Layer, Schema } from 'effect';
import { causeMessage, scopedClient } from '../aws/scoped-client.js';
import { WEBHOOKS } from '../connectors/providers.js';
import { credentialSecretName } from '../pipeline/credentials.js';
import type { WebhookCredentialsFor } from './credentials.js';
import { WebhookRejected, WebhookSecretUnavailable } from './errors.js';
import type { WebhookProvider, WebhookRoute } from './route.js';

/** The webhook credentials of a route, read from Secrets Manager. */
export class WebhookSecrets extends Context.Service<
  WebhookSecrets,
  {
    readonly credentialsFor: <P extends WebhookProvider>(
      route: WebhookRoute & { readonly provider: P },
    ) => Effect.Effect<WebhookCredentialsFor[P], WebhookRejected | WebhookSecretUnavailable>;
  }
>()('panops/webhooks/WebhookSecrets') {}

export interface SecretCacheOptions {
  /** How long a secret is reused before it is read again (rotation takes effect within this). @default 300 s */
  readonly ttlMs?: number;
  /** How long "no such secret" is remembered, so unauthenticated traffic cannot hammer Secrets Manager. @default 30 s */
  readonly negativeTtlMs?: number;
  /** Most secrets kept; the oldest is dropped first. @default 1000 */
  readonly maxEntries?: number;
}

/** Reads one secret string; `undefined` when it does not exist. */
export type SecretReader = (secretId: string) => Effect.Effect<string | undefined, WebhookSecretUnavailable>;

const unknownRoute = (route: WebhookRoute) =>
  new WebhookRejected({
    provider: route.provider,
    reason: 'unknown-route',
    detail: `no ${route.provider} webhook is configured for this customer and connector`,
  });

/**
 * Secrets per route behind a small TTL cache: a webhook burst costs one
 * Secrets Manager call per connector, not one per request.
 */
export const cachedWebhookSecrets = (read: SecretReader, options: SecretCacheOptions = {}) => {
  const ttl = options.ttlMs ?? 300_000;
  const negativeTtl = options.negativeTtlMs ?? 30_000;
  const max = options.maxEntries ?? 1000;
  const cache = new Map<string, { readonly value: string | undefined; readonly until: number }>();

  const cachedRead = Effect.fn('WebhookSecrets.read')(function* (secretId: string) {
    const now = yield* Clock.currentTimeMillis;
    const hit = cache.get(secretId);
    if (hit && hit.until > now) return hit.value;
    const value = yield* read(secretId);
    if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    cache.set(secretId, { value, until: now + (value === undefined ? negativeTtl : ttl) });
    return value;
  });

  const credentialsFor = Effect.fn('WebhookSecrets.credentialsFor')(function* <P extends WebhookProvider>(
    route: WebhookRoute & { readonly provider: P },
  ) {
    const secretId = credentialSecretName({ ...route, platform: route.provider });
    const raw = yield* cachedRead(secretId);
    if (raw === undefined) return yield* unknownRoute(route);
    const schema = WEBHOOKS[route.provider].credentials as unknown as Schema.Codec<WebhookCredentialsFor[P]>;
    // A secret without this provider's webhook fields is a configuration gap, not the caller's fault.
    return yield* Schema.decodeUnknownEffect(Schema.fromJsonString(schema))(raw).pipe(
      Effect.mapError(
        (e) =>
          new WebhookSecretUnavailable({
            secretId,
            detail: `secret lacks ${route.provider} webhook fields: ${e.message}`,
          }),
      ),
    );
  });

  return WebhookSecrets.of({ credentialsFor });
};

/** Secrets Manager reader: a missing secret is `undefined`, anything else unavailable (the provider retries). */
export const secretsManagerReader =
  (client: SecretsManagerClient): SecretReader =>
  (secretId) =>
    Effect.tryPromise({
      try: (signal) =>
        client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: signal }).then(
          (out) => out.SecretString,
          (cause: { name?: string }) => {
            if (cause?.name === 'ResourceNotFoundException') return undefined;
            throw cause;
          },
        ),
      catch: (cause) => new WebhookSecretUnavailable({ secretId, detail: causeMessage(cause) }),
    });

/** The AWS layer: Secrets Manager (through the VPC endpoint) with the cache. */
export const secretsManagerWebhookSecretsLayer = (
  options: SecretCacheOptions & { readonly client?: SecretsManagerClientConfig } = {},
) =>
  Layer.effect(
    WebhookSecrets,
    scopedClient(() => new SecretsManagerClient(options.client ?? {})).pipe(
      Effect.map((client) => cachedWebhookSecrets(secretsManagerReader(client), options)),
    ),
  );

/** Fixed secrets by secret id (local runs and tests). */
export const staticWebhookSecretsLayer = (secrets: Readonly<Record<string, unknown>>) =>
  Layer.succeed(
    WebhookSecrets,
    cachedWebhookSecrets((id) => Effect.succeed(id in secrets ? JSON.stringify(secrets[id]) : undefined)),
  );
