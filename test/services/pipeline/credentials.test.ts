import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect, Exit } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorCredentials, secretsManagerCredentialsLayer } from '../../../src/services/pipeline/credentials.js';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const request = { customerId: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', connectorId: 'gmail-main', platform: 'gmail' };
const token = () =>
  Effect.runPromiseExit(
    Effect.flatMap(ConnectorCredentials, (c) => c.accessToken(request)).pipe(
      Effect.provide(secretsManagerCredentialsLayer({ region: 'us-east-1' })),
    ),
  );
const failureTag = (exit: Exit.Exit<unknown, { _tag: string }>) =>
  Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === 'Fail')?.error._tag : 'success';

describe('connector credentials from Secrets Manager', () => {
  it("reads the access token from the connector's secret panops/<customer>/<connector>", async () => {
    sm.on(GetSecretValueCommand, { SecretId: `panops/${request.customerId}/gmail-main` }).resolves({
      SecretString: JSON.stringify({ accessToken: 'ya29.token' }),
    });
    const exit = await token();
    expect(Exit.isSuccess(exit) && exit.value).toBe('ya29.token');
  });

  it('a missing secret, or one without an accessToken, means the connector needs re-authorization', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'no', $metadata: {} }));
    expect(failureTag(await token())).toBe('AuthExpired');
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"refreshToken":"x"}' });
    expect(failureTag(await token())).toBe('AuthExpired');
  });

  it('any other failure is transient (retried)', async () => {
    sm.on(GetSecretValueCommand).rejects(new Error('socket hang up'));
    expect(failureTag(await token())).toBe('Transient');
  });
});
