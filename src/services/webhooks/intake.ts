import { Effect, Layer, Option } from 'effect';
import { ArchiveStore } from '../archive/archive-store.js';
import { decodeSlackMessageEvent } from '../connectors/slack/events.js';
import { slackEventItems } from '../connectors/slack/normalize.js';
import { twilioMessageItem } from '../connectors/twilio/normalize.js';
import type { RawItem } from '../pipeline/communication.js';
import { Ingest } from '../pipeline/ingest.js';
import { type ConnectorJob, JOB_VERSION } from '../pipeline/job.js';
import { ConnectorJobSubmitter } from './connector-jobs.js';
import { type VerifiedDelivery, WebhookIntake } from './delivery.js';
import { WebhookStoreFailed } from './errors.js';

/** The job a push starts when the payload itself is not the item (a recording to download, a Graph resource to fetch). */
const followUpJob = (delivery: VerifiedDelivery, jobId: string, params: Record<string, unknown>): ConnectorJob => ({
  version: JOB_VERSION,
  jobId,
  customerId: delivery.route.customerId,
  connectorId: delivery.route.connectorId,
  platform: delivery.route.provider,
  kind: 'webhook',
  requestedAt: delivery.receivedAt.toISOString(),
  params,
});

/** Items stored at once (chat, SMS) and jobs queued (downloads, fetches) for one delivery. */
export const planDelivery = (
  delivery: VerifiedDelivery,
): { readonly items: readonly RawItem[]; readonly jobs: readonly ConnectorJob[] } => {
  const { event } = delivery;
  switch (event._tag) {
    case 'SlackEvent': {
      const message = decodeSlackMessageEvent(event.payload.event);
      // Other event types we subscribe to (channel renames, member joins) are kept in the raw archive only.
      return {
        items: Option.isSome(message)
          ? slackEventItems(
              event.payload.team_id,
              message.value,
              new TextEncoder().encode(JSON.stringify(event.payload.event)),
            )
          : [],
        jobs: [],
      };
    }
    case 'TwilioMessage':
      return { items: [twilioMessageItem(event.params, event.all, delivery.receivedAt)], jobs: [] };
    case 'TwilioRecording':
      return event.params.RecordingStatus === 'completed'
        ? {
            items: [],
            jobs: [followUpJob(delivery, `twilio-recording-${event.params.RecordingSid}`, { recording: event.params })],
          }
        : { items: [], jobs: [] };
    case 'ZoomRecordingCompleted':
      return {
        items: [],
        jobs: [
          followUpJob(delivery, `zoom-recording-${event.payload.payload.object.uuid}`, {
            meeting: event.payload.payload.object,
            ...(event.payload.download_token ? { downloadToken: event.payload.download_token } : {}),
          }),
        ],
      };
    case 'TeamsNotifications': {
      const resources = event.notifications.flatMap((n) =>
        n.resource && !n.lifecycleEvent ? [{ resource: n.resource, changeType: n.changeType ?? 'updated' }] : [],
      );
      const lifecycle = event.notifications.flatMap((n) => (n.lifecycleEvent ? [n.lifecycleEvent] : []));
      return {
        items: [],
        jobs:
          resources.length + lifecycle.length > 0
            ? [
                followUpJob(
                  delivery,
                  `teams-${delivery.receivedAt.getTime()}-${resources[0]?.resource ?? lifecycle[0]}`.slice(0, 128),
                  {
                    resources,
                    lifecycle,
                  },
                ),
              ]
            : [],
      };
    }
    case 'ZoomEvent':
      return { items: [], jobs: [] };
  }
};

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
      accept: (delivery) =>
        Effect.gen(function* () {
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
        }).pipe(Effect.mapError((e) => storeFailed(delivery, e))),
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
      accept: (delivery) => {
        const { route } = delivery;
        const plan = planDelivery(delivery);
        return Effect.gen(function* () {
          yield* archive.put(route.customerId, new TextEncoder().encode(delivery.rawBody), delivery.contentType);
          if (plan.items.length > 0)
            yield* ingest.store(
              { customerId: route.customerId, connectorId: route.connectorId, platform: route.provider },
              plan.items,
            );
          yield* Effect.forEach(plan.jobs, (job) => jobs.submit(job), { discard: true });
        }).pipe(Effect.mapError((e) => storeFailed(delivery, e)));
      },
    });
  }),
);
