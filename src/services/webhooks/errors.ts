import { Schema } from 'effect';

/** Why a webhook request was refused. Each maps to one HTTP status (see `statusFor`). */
export const RejectionReason = Schema.Literals([
  /** No route for this provider/customer/connector, or no secret configured for it. */
  'unknown-route',
  /** Wrong HTTP method for this provider. */
  'method-not-allowed',
  /** Missing or wrong signature / client state. */
  'unauthenticated',
  /** Signed, but the timestamp is outside the tolerance window. */
  'stale',
  /** Signed and fresh, but its provider message id was already received. */
  'replayed',
  /** Authenticated, but the body is not what the provider documents. */
  'malformed',
  /** Body larger than any legitimate provider payload. */
  'too-large',
]);
export type RejectionReason = typeof RejectionReason.Type;

/**
 * A webhook request refused before anything was stored. The handler answers
 * with a 4xx carrying `reason` and `detail`; nothing reaches the archive.
 */
export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()('WebhookRejected', {
  provider: Schema.String,
  reason: RejectionReason,
  /** A sentence for the operator (never contains a secret or an expected signature). */
  detail: Schema.String,
}) {}

/** The HTTP status for each rejection reason. */
export const statusFor = (reason: RejectionReason): number => {
  switch (reason) {
    case 'unknown-route':
      return 404;
    case 'method-not-allowed':
      return 405;
    case 'unauthenticated':
    case 'stale':
      return 401;
    case 'replayed':
      return 409;
    case 'malformed':
      return 400;
    case 'too-large':
      return 413;
  }
};

/** Secrets Manager could not be read (throttled, network, permissions): a 5xx so the provider retries. */
export class WebhookSecretUnavailable extends Schema.TaggedError<WebhookSecretUnavailable>()(
  'WebhookSecretUnavailable',
  {
    secretId: Schema.String,
    detail: Schema.String,
  },
) {}

/** The verified payload could not be stored (archive, database or queue down): a 5xx so the provider retries. */
export class WebhookStoreFailed extends Schema.TaggedError<WebhookStoreFailed>()('WebhookStoreFailed', {
  provider: Schema.String,
  detail: Schema.String,
}) {}

/** The replay guard's table could not be reached: a 5xx, since accepting unchecked could store a replay. */
export class ReplayGuardUnavailable extends Schema.TaggedError<ReplayGuardUnavailable>()('ReplayGuardUnavailable', {
  detail: Schema.String,
}) {}
