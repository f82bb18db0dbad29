import { Effect, Schema } from 'effect';
import { constantTimeEquals } from '../../webhooks/crypto.js';
import { WebhookRejected } from '../../webhooks/errors.js';

/** One Microsoft Graph change notification (https://learn.microsoft.com/graph/change-notifications-delivery-webhooks). */
export const GraphNotification = Schema.Struct({
  subscriptionId: Schema.String,
  clientState: Schema.optionalKey(Schema.String),
  changeType: Schema.optionalKey(Schema.String),
  resource: Schema.optionalKey(Schema.String),
  tenantId: Schema.optionalKey(Schema.String),
  subscriptionExpirationDateTime: Schema.optionalKey(Schema.String),
  /** Lifecycle notifications (`reauthorizationRequired`, `subscriptionRemoved`, `missed`) carry this instead of a change. */
  lifecycleEvent: Schema.optionalKey(Schema.String),
  resourceData: Schema.optionalKey(
    Schema.Struct({
      id: Schema.optionalKey(Schema.String),
      '@odata.type': Schema.optionalKey(Schema.String),
      '@odata.id': Schema.optionalKey(Schema.String),
      '@odata.etag': Schema.optionalKey(Schema.String),
    }),
  ),
  /** Rich notifications (`includeResourceData`): the changed resource, encrypted; differs for every version. */
  encryptedContent: Schema.optionalKey(Schema.Record(Schema.String, Schema.Unknown)),
});
export type GraphNotification = typeof GraphNotification.Type;

export const GraphNotificationBatch = Schema.Struct({ value: Schema.Array(GraphNotification) });

/**
 * Graph validates a new subscription by POSTing `?validationToken=...`; the
 * endpoint must echo it as text/plain within 10 seconds. Nothing is stored and
 * the echo reveals nothing secret, so it needs no authentication.
 */
export const graphValidationToken = (query: Readonly<Record<string, string>>): string | undefined =>
  query.validationToken;

export interface GraphNotificationsInput {
  /** The clientState we set when creating the subscription. */
  readonly clientState: string;
  /** The customer's Entra tenant, when known: notifications from another tenant are refused. */
  readonly tenantId?: string;
  readonly rawBody: string;
}

const reject = (reason: 'unauthenticated' | 'malformed', detail: string) =>
  new WebhookRejected({ provider: 'graph', reason, detail });

const decodeBatch = Schema.decodeUnknownEffect(Schema.fromJsonString(GraphNotificationBatch));

/**
 * Authenticates a batch of Graph change notifications: every item must carry
 * our clientState (compared in constant time) and, when configured, our
 * tenant id. One bad item refuses the batch: a batch is never half stored.
 */
export const verifyGraphNotifications = (
  input: GraphNotificationsInput,
): Effect.Effect<ReadonlyArray<GraphNotification>, WebhookRejected> =>
  decodeBatch(input.rawBody).pipe(
    Effect.mapError((e) => reject('malformed', `not a Graph notification batch: ${e.message}`)),
    Effect.flatMap((batch) => {
      if (batch.value.length === 0) return Effect.fail(reject('malformed', 'notification batch is empty'));
      for (const [i, n] of batch.value.entries()) {
        if (n.clientState === undefined || !constantTimeEquals(n.clientState, input.clientState))
          return Effect.fail(reject('unauthenticated', `value[${i}].clientState does not match the subscription`));
        // Every notification must name the tenant: one without tenantId is not known to be the customer's.
        if (input.tenantId !== undefined && n.tenantId !== input.tenantId)
          return Effect.fail(reject('unauthenticated', `value[${i}].tenantId is not the customer's tenant`));
      }
      return Effect.succeed(batch.value);
    }),
  );
