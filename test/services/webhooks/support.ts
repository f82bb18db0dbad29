import { Effect, Layer, ManagedRuntime } from 'effect';
import { type VerifiedDelivery, WebhookIntake } from '../../../src/services/webhooks/delivery.js';
import { WebhookStoreFailed } from '../../../src/services/webhooks/errors.js';
import { handleWebhook } from '../../../src/services/webhooks/handler.js';
import { memoryReplayGuardLayer } from '../../../src/services/webhooks/replay-guard.js';
import type { WebhookRequest } from '../../../src/services/webhooks/request.js';
import { staticWebhookSecretsLayer } from '../../../src/services/webhooks/secrets.js';

export const CUSTOMER = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
export const OTHER_CUSTOMER = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
export const BASE = 'https://hooks.panops.example';

/** Records what reached storage; `failures` makes the next N deliveries fail as a down archive would. */
export class RecordingIntake {
  readonly stored: VerifiedDelivery[] = [];
  failures = 0;
  readonly layer = Layer.succeed(WebhookIntake, {
    accept: (delivery: VerifiedDelivery) =>
      Effect.suspend(() => {
        if (this.failures > 0) {
          this.failures -= 1;
          return Effect.fail(new WebhookStoreFailed({ provider: delivery.route.provider, detail: 'archive down' }));
        }
        this.stored.push(delivery);
        return Effect.void;
      }),
  });
}

/** A handler with the given secrets, an in-memory replay guard and a recording intake. */
export const makeHandler = (secrets: Record<string, unknown>) => {
  const intake = new RecordingIntake();
  const runtime = ManagedRuntime.make(
    Layer.mergeAll(staticWebhookSecretsLayer(secrets), memoryReplayGuardLayer(), intake.layer),
  );
  const send = (request: Partial<WebhookRequest> & { path: string; body: string }) =>
    runtime.runPromise(
      handleWebhook({ method: 'POST', url: `${BASE}${request.path}`, query: {}, headers: {}, ...request }),
    );
  return { intake, send };
};

export const nowSeconds = () => Math.floor(Date.now() / 1000);
