import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { cachedWebhookSecrets, secretsManagerReader } from '../../../src/services/webhooks/secrets.js';
import { CUSTOMER } from './support.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const route = { provider: 'slack' as const, customerId: CUSTOMER, connectorId: 'slack-workspace' };
const secretId = `panops/${CUSTOMER}/slack-workspace`;

const run = <A, E>(effect: Effect.Effect<A, E>) => Effect.runPromise(Effect.result(effect));

describe('webhook secrets from Secrets Manager', () => {
  it("reads a connector's secret once and serves later requests from the cache", async () => {
    sm.on(GetSecretValueCommand, { SecretId: secretId }).resolves({
      SecretString: JSON.stringify({ accessToken: 'xoxb-1', signingSecret: 's3cr3t', teamId: 'T1' }),
    });
    const secrets = cachedWebhookSecrets(secretsManagerReader(new SecretsManagerClient({ region: 'us-east-1' })));
    const first = await run(secrets.credentialsFor(route));
    const second = await run(secrets.credentialsFor(route));
    expect(first._tag === 'Success' && first.success).toEqual({ signingSecret: 's3cr3t', teamId: 'T1' });
    expect(second._tag).toBe('Success');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads the secret again after the cache TTL (rotation takes effect)', async () => {
    sm.on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: '{"signingSecret":"old","teamId":"T1"}' })
      .resolves({ SecretString: '{"signingSecret":"new","teamId":"T1"}' });
    const secrets = cachedWebhookSecrets(secretsManagerReader(new SecretsManagerClient({ region: 'us-east-1' })), {
      ttlMs: 0,
    });
    await run(secrets.credentialsFor(route));
    const rotated = await run(secrets.credentialsFor(route));
    expect(rotated._tag === 'Success' && rotated.success.signingSecret).toBe('new');
  });

  it('answers a route without a secret as unknown, and remembers that briefly', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    const secrets = cachedWebhookSecrets(secretsManagerReader(new SecretsManagerClient({ region: 'us-east-1' })));
    const missing = await run(secrets.credentialsFor(route));
    await run(secrets.credentialsFor(route));
    expect(missing._tag === 'Failure' && missing.failure._tag === 'WebhookRejected' && missing.failure.reason).toBe(
      'unknown-route',
    );
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reports Secrets Manager outages and secrets without webhook fields as unavailable, not as the caller’s fault', async () => {
    sm.on(GetSecretValueCommand)
      .rejectsOnce(new Error('ThrottlingException'))
      .resolves({ SecretString: '{"accessToken":"x"}' });
    const secrets = cachedWebhookSecrets(secretsManagerReader(new SecretsManagerClient({ region: 'us-east-1' })));
    const down = await run(secrets.credentialsFor(route));
    const incomplete = await run(secrets.credentialsFor(route));
    expect(down._tag === 'Failure' && down.failure._tag).toBe('WebhookSecretUnavailable');
    expect(incomplete._tag === 'Failure' && incomplete.failure._tag).toBe('WebhookSecretUnavailable');
  });
});
