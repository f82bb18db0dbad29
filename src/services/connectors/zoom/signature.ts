import { Effect } from 'effect';
import { constantTimeEquals, hmacSha256Hex } from '../../webhooks/crypto.js';
import { WebhookRejected } from '../../webhooks/errors.js';

/** Zoom does not publish a window; we apply Slack's five minutes to the same v0 scheme. */
export const ZOOM_TOLERANCE_SECONDS = 300;

/** `x-zm-signature`: `v0=` + HMAC-SHA256(secret token, `v0:<x-zm-request-timestamp>:<raw body>`), hex. */
export const zoomSignature = (secretToken: string, timestamp: string, rawBody: string): string =>
  `v0=${hmacSha256Hex(secretToken, `v0:${timestamp}:${rawBody}`)}`;

export interface ZoomSignatureInput {
  readonly secretToken: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** The current time in Unix seconds. */
  readonly nowSeconds: number;
  /** @default ZOOM_TOLERANCE_SECONDS */
  readonly toleranceSeconds?: number;
}

const reject = (reason: 'unauthenticated' | 'stale' | 'malformed', detail: string) =>
  new WebhookRejected({ provider: 'zoom', reason, detail });

/** Verifies Zoom's `x-zm-signature` (v0 scheme) and `x-zm-request-timestamp`. */
export const verifyZoomSignature = (input: ZoomSignatureInput): Effect.Effect<void, WebhookRejected> => {
  const signature = input.headers['x-zm-signature'];
  const timestamp = input.headers['x-zm-request-timestamp'];
  if (!signature) return Effect.fail(reject('unauthenticated', 'missing x-zm-signature header'));
  if (!timestamp) return Effect.fail(reject('unauthenticated', 'missing x-zm-request-timestamp header'));
  if (!/^\d{1,12}$/.test(timestamp))
    return Effect.fail(reject('malformed', 'x-zm-request-timestamp is not a Unix time in seconds'));
  const age = Math.abs(input.nowSeconds - Number(timestamp));
  const tolerance = input.toleranceSeconds ?? ZOOM_TOLERANCE_SECONDS;
  if (age > tolerance)
    return Effect.fail(reject('stale', `request timestamp is ${age} s from now (tolerance ${tolerance} s)`));
  if (!constantTimeEquals(zoomSignature(input.secretToken, timestamp, input.rawBody), signature))
    return Effect.fail(reject('unauthenticated', 'x-zm-signature does not match the request'));
  return Effect.void;
};

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
