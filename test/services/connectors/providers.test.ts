import { Effect, Layer } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { describe, expect, it } from 'vitest';
import { LargeObjectArchive } from '../../../src/services/archive/large-object.js';
import { PROVIDERS, WEBHOOKS } from '../../../src/services/connectors/providers.js';
import type { Connector } from '../../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../../src/services/pipeline/credentials.js';
import { memoryTranscriptionJobsLayer } from '../../../src/services/queue/transcription-jobs.js';
import { parseRoute, WEBHOOK_PROVIDERS } from '../../../src/services/webhooks/route.js';

const CUSTOMER = '11111111-2222-4333-8444-555555555555';

describe('provider registry', () => {
  it("each provider's connector serves the platform it is registered under (jobs, secrets and routes use that name)", async () => {
    const deps = Layer.mergeAll(
      FetchHttpClient.layer,
      staticCredentialsLayer('token'),
      memoryTranscriptionJobsLayer(),
      Layer.succeed(LargeObjectArchive, {} as LargeObjectArchive['Service']),
    );
    for (const [name, provider] of Object.entries(PROVIDERS)) {
      // Each maker needs a subset of `deps`; their union does not type as one Effect, so each is read as a Connector maker.
      const make = provider.connector() as Effect.Effect<Connector>;
      const connector = await Effect.runPromise(make.pipe(Effect.provide(deps)));
      expect(connector.platform).toBe(name);
    }
  });

  it('routes exist for exactly the providers with a webhook', () => {
    expect([...WEBHOOK_PROVIDERS].sort()).toEqual(['slack', 'teams', 'twilio', 'zoom']);
    expect(Object.keys(WEBHOOKS).sort()).toEqual([...WEBHOOK_PROVIDERS].sort());
    for (const provider of WEBHOOK_PROVIDERS)
      expect(parseRoute(`/webhooks/${provider}/${CUSTOMER}/main`)?.provider).toBe(provider);
    // A polled-only provider has no webhook route.
    expect(parseRoute(`/webhooks/gmail/${CUSTOMER}/main`)).toBeUndefined();
  });
});
