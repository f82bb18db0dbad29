import { Schema } from 'effect';

/**
 * What a webhook needs from a connector's secret (`panops/<customer id>/<connector id>`
 * in Secrets Manager, the same secret that holds the connector's API token).
 * The provider account id is REQUIRED for Slack, Zoom and Teams and must match
 * the one in the signed payload: one PanOps Slack or Zoom app serves many
 * customers with one signing secret, so a valid signature alone does not say
 * whose workspace an event is from. A secret without it is refused as
 * misconfigured (the webhook answers 503 and stores nothing), never accepted.
 */
export const SlackWebhookCredentials = Schema.Struct({
  signingSecret: Schema.String.check(Schema.isMinLength(1)),
  /** The customer's Slack workspace (`team_id`). */
  teamId: Schema.String.check(Schema.isMinLength(1)),
});

export const TeamsWebhookCredentials = Schema.Struct({
  /** The `clientState` we set on the Graph subscriptions of this connector. */
  clientState: Schema.String.check(Schema.isMinLength(16)),
  /** The customer's Entra tenant id: every notification of a batch must name it. */
  tenantId: Schema.String.check(Schema.isMinLength(1)),
});

export const ZoomWebhookCredentials = Schema.Struct({
  /** The app's webhook secret token (signs events and the URL validation). */
  webhookSecretToken: Schema.String.check(Schema.isMinLength(1)),
  /** The customer's Zoom account (`payload.account_id`). */
  accountId: Schema.String.check(Schema.isMinLength(1)),
});

export const TwilioWebhookCredentials = Schema.Struct({
  authToken: Schema.String.check(Schema.isMinLength(1)),
  /** The customer's Twilio account or subaccount (`AccountSid`). */
  accountSid: Schema.optionalKey(Schema.String),
  /** Public URL prefix the webhook was registered with, when a custom domain fronts the API. */
  publicBaseUrl: Schema.optionalKey(Schema.String),
});

export const WebhookCredentials = {
  slack: SlackWebhookCredentials,
  teams: TeamsWebhookCredentials,
  zoom: ZoomWebhookCredentials,
  twilio: TwilioWebhookCredentials,
} as const;

export type WebhookCredentialsFor = {
  readonly [P in keyof typeof WebhookCredentials]: (typeof WebhookCredentials)[P]['Type'];
};
