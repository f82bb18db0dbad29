import type { Effect, Schema } from 'effect';
import type { ProviderOutcome, VerifiedDelivery, WebhookEvent } from './delivery.js';
import type { WebhookRejected } from './errors.js';
import type { DeliveryPlan } from './follow-up-job.js';
import { jsonResponse, type WebhookRequest, type WebhookResponse } from './request.js';

/**
 * What the webhook handler needs from a provider that pushes to us. Each
 * provider's folder (`src/services/connectors/<provider>/webhook.ts`) defines
 * one; the registry (`src/services/connectors/providers.ts`) lists them, and the
 * handler, routes and secrets read only that.
 */
export interface WebhookProviderSpec<C> {
  /** The webhook fields of the connector's secret (`panops/<customer id>/<connector id>`). */
  readonly credentials: Schema.Codec<C>;
  /** Signature, freshness and payload: a handshake to answer, or what to deliver. */
  readonly authenticate: (
    request: WebhookRequest,
    credentials: C,
    nowSeconds: number,
  ) => Effect.Effect<ProviderOutcome, WebhookRejected>;
  /** The provider account the connector is configured for (the signed payload must name it). */
  readonly configuredAccount: (credentials: C) => string | undefined;
  /**
   * True where the secret may omit the account (Twilio: the auth token is the account's own, so a valid
   * signature already names it); otherwise a secret without one refuses every delivery.
   */
  readonly accountOptional?: boolean;
  /** The answer once stored. */
  readonly storedResponse: WebhookResponse;
  /** The answer to a retry of a delivery already stored: the provider's success status, nothing stored. */
  readonly alreadyStoredResponse: WebhookResponse;
  /** Keeps only the items of a batch not delivered before (indexes into `messageIds`); whole events need none. */
  readonly restrictTo?: (event: WebhookEvent, fresh: ReadonlySet<number>) => WebhookEvent;
  /** What a stored delivery becomes: items stored at once, follow-up jobs queued (the in-process intake). */
  readonly plan: (delivery: VerifiedDelivery) => DeliveryPlan;
}

/**
 * A provider's webhook, typed by its credentials (the registry keeps them
 * apart). Its answers default to JSON 200 `{"status":"stored"}`, and
 * `{"status":"already-stored"}` to a retry; a provider that expects another
 * body (TwiML, an empty 202) names it as `answer`, given to both.
 */
export const webhookProvider = <C>({
  answer,
  ...spec
}: Omit<WebhookProviderSpec<C>, 'storedResponse' | 'alreadyStoredResponse'> & {
  /** The one answer to a delivery, stored now or before, where the provider expects its own body. */
  readonly answer?: WebhookResponse;
}): WebhookProviderSpec<C> => ({
  storedResponse: answer ?? jsonResponse(200, { status: 'stored' }),
  alreadyStoredResponse: answer ?? jsonResponse(200, { status: 'already-stored' }),
  ...spec,
});
