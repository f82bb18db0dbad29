import { Effect, Layer } from 'effect';
import { ArchiveStore } from '../archive/archive-store.js';
import { WEBHOOKS } from '../connectors/providers.js';
import { Ingest } from '../pipeline/ingest.js';
import { ConnectorJobSubmitter } from './connector-jobs.js';
import { type VerifiedDelivery, WebhookIntake } from './delivery.js';
import { WebhookStoreFailed } from './errors.js';
import { type DeliveryPlan, followUpJob } from './follow-up-job.js';
import type { WebhookProviderSpec } from './provider.js';

/** Items stored at once and jobs queued for one delivery: its provider's plan (each provider's webhook.ts). */
export const planDelivery = (delivery: VerifiedDelivery): DeliveryPlan =>
  (WEBHOOKS[delivery.route.provider] as unknown as WebhookProviderSpec<unknown>).plan(delivery);

/**
 * Verified deliveries handed to the queue, for the Lambda: the raw body into
 * the customer's archive, then one `webhook` job carrying the verified event
 * onto the connector-jobs queue, where the platform's connector stores its
 * items through ingest (with the pipeline's retries and DLQ). The provider gets
 * its answer in milliseconds (Slack wants one within 3 s), and both steps are
 * durable before it does.
 */
export const queueingWebhookIntakeLayer = Layer.effect(
  WebhookIntake,
  Effect.gen(function* () {
    const archive = yield* ArchiveStore;
    const jobs = yield* ConnectorJobSubmitter;
    return WebhookIntake.of({
      accept: Effect.fn('WebhookIntake.accept')(
        function* (delivery: VerifiedDelivery) {
          const archived = yield* archive.put(
            delivery.route.customerId,
            new TextEncoder().encode(delivery.rawBody),
            delivery.contentType,
          );
          yield* jobs.submit(
            followUpJob(delivery, `${delivery.route.provider}-webhook-${archived.sha256}`, {
              event: delivery.event,
              rawArchiveKey: archived.key,
            }),
          );
        },
        (effect, delivery) => effect.pipe(Effect.mapError((e) => storeFailed(delivery, e))),
      ),
    });
  }),
);

const storeFailed = (delivery: VerifiedDelivery, e: { readonly message: string }) =>
  new WebhookStoreFailed({
    provider: delivery.route.provider,
    detail: 'detail' in e ? String(e.detail) : 'reason' in e ? String(e.reason) : e.message,
  });

/**
 * Verified deliveries through the pipeline in-process (local runs, workers): the raw request body into the
 * customer's archive (evidence of exactly what the provider sent), the items
 * it carries through ingest (archived item by item, rows through the
 * tenant-scoped service, idempotent on the provider id), and follow-up jobs
 * onto the connector-jobs queue. Succeeds only when all of it is durable.
 */
export const pipelineWebhookIntakeLayer = Layer.effect(
  WebhookIntake,
  Effect.gen(function* () {
    const archive = yield* ArchiveStore;
    const ingest = yield* Ingest;
    const jobs = yield* ConnectorJobSubmitter;
    return WebhookIntake.of({
      accept: Effect.fn('WebhookIntake.accept')(
        function* (delivery: VerifiedDelivery) {
          const { route } = delivery;
          const plan = planDelivery(delivery);
          yield* archive.put(route.customerId, new TextEncoder().encode(delivery.rawBody), delivery.contentType);
          if (plan.items.length > 0)
            yield* ingest.store(
              { customerId: route.customerId, connectorId: route.connectorId, platform: route.provider },
              plan.items,
            );
          yield* Effect.forEach(plan.jobs, (job) => jobs.submit(job), { discard: true });
        },
        (effect, delivery) => effect.pipe(Effect.mapError((e) => storeFailed(delivery, e))),
      ),
    });
  }),
);
