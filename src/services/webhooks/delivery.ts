import { Context, type Effect } from 'effect';
import type { SlackEventCallback } from '../connectors/slack/events.js';
import type { GraphNotification } from '../connectors/teams/signature.js';
import type { TwilioInboundMessage, TwilioRecordingStatus } from '../connectors/twilio/events.js';
import type { ZoomRecordingCompleted } from '../connectors/zoom/events.js';
import type { WebhookStoreFailed } from './errors.js';
import type { WebhookResponse } from './request.js';
import type { WebhookRoute } from './route.js';

/** What an authenticated request carries, by provider. */
export type WebhookEvent =
  | { readonly _tag: 'SlackEvent'; readonly payload: SlackEventCallback }
  | { readonly _tag: 'TeamsNotifications'; readonly notifications: ReadonlyArray<GraphNotification> }
  | { readonly _tag: 'ZoomRecordingCompleted'; readonly payload: ZoomRecordingCompleted }
  /** Another Zoom event we subscribe to: archived as received, nothing else. */
  | { readonly _tag: 'ZoomEvent'; readonly event: string }
  | { readonly _tag: 'TwilioMessage'; readonly params: TwilioInboundMessage; readonly all: Record<string, string> }
  | { readonly _tag: 'TwilioRecording'; readonly params: TwilioRecordingStatus };

/** The outcome of authenticating and decoding one request. */
export type ProviderOutcome =
  /** A handshake (Slack url_verification, Zoom url_validation): answered, nothing stored. */
  | { readonly _tag: 'Respond'; readonly response: WebhookResponse }
  | {
      readonly _tag: 'Deliver';
      /**
       * The provider's ids of what this request delivers; each is claimed once (replay guard).
       * `undefined` for an item that carries nothing telling its versions apart (a Graph chat
       * message notification has no etag): it is always delivered, since dropping it could lose
       * a distinct edit, and what it triggers downstream is idempotent.
       */
      readonly messageIds: ReadonlyArray<string | undefined>;
      /** The provider account the signed payload names, checked against the connector's. */
      readonly accountId: string | undefined;
      readonly event: WebhookEvent;
    };

/** An authenticated, fresh, first-seen delivery: ready to be stored. */
export interface VerifiedDelivery {
  readonly route: WebhookRoute;
  readonly event: WebhookEvent;
  /** The body exactly as received (archived as is). */
  readonly rawBody: string;
  readonly contentType: string;
  readonly receivedAt: Date;
}

/**
 * Where verified deliveries go: archive the raw payload, store normalized rows
 * through the tenant-scoped service, queue download jobs. `accept` returns only
 * once everything is durable; on failure the handler answers 5xx and the
 * provider retries.
 */
export class WebhookIntake extends Context.Service<
  WebhookIntake,
  { readonly accept: (delivery: VerifiedDelivery) => Effect.Effect<void, WebhookStoreFailed> }
>()('panops/webhooks/WebhookIntake') {}
