import { Effect } from 'effect';
import { hmacSha256Hex } from '../../webhooks/crypto.js';
import { WebhookRejected } from '../../webhooks/errors.js';
import { v0Scheme } from '../../webhooks/v0-signature.js';

/**
 * Zoom's `x-zm-signature`: `v0=` + HMAC-SHA256(secret token, `v0:<x-zm-request-timestamp>:<raw body>`), hex.
 * Zoom does not publish a window; we apply Slack's five minutes to the same v0 scheme.
 */
export const zoomSigning = v0Scheme({
  provider: 'zoom',
  signatureHeader: 'x-zm-signature',
  timestampHeader: 'x-zm-request-timestamp',
  toleranceSeconds: 300,
});

const reject = (reason: 'malformed', detail: string) => new WebhookRejected({ provider: 'zoom', reason, detail });

/**
 * A plain token as Zoom sends them (URL-safe base64 of random bytes). The
 * response to `endpoint.url_validation` is HMAC-SHA256(secret, plainToken) —
 * the same key and MAC as request signatures — so answering an arbitrary
 * string would be a signing oracle: `plainToken = "v0:<ts>:<forged body>"`
 * would return a valid `x-zm-signature` for a forged event. A colon can
 * never appear in an accepted token, and the request itself must be signed.
 */
const PLAIN_TOKEN = /^[A-Za-z0-9_\-+/=]{1,128}$/;

/** The body Zoom expects back from `endpoint.url_validation`. */
export interface ZoomUrlValidationResponse {
  readonly plainToken: string;
  readonly encryptedToken: string;
}

/** Answers Zoom's challenge-response check: `encryptedToken` is HMAC-SHA256(secret token, plainToken), hex. */
export const zoomUrlValidation = (
  secretToken: string,
  plainToken: string,
): Effect.Effect<ZoomUrlValidationResponse, WebhookRejected> =>
  PLAIN_TOKEN.test(plainToken)
    ? Effect.succeed({ plainToken, encryptedToken: hmacSha256Hex(secretToken, plainToken) })
    : Effect.fail(reject('malformed', 'payload.plainToken is not a Zoom challenge token'));
