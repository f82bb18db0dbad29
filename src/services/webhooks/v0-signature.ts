import { Effect } from 'effect';
import { constantTimeEquals, hmacSha256Hex } from './crypto.js';
import { WebhookRejected } from './errors.js';

/** Who signs with v0: the provider, its two headers as its documentation spells them, its replay window. */
export interface V0Scheme {
  readonly provider: string;
  readonly signatureHeader: string;
  readonly timestampHeader: string;
  readonly toleranceSeconds: number;
}

/** A delivery to verify: its headers (lower-case names), raw body and the time now. */
export interface V0SignedRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** The current time in Unix seconds. */
  readonly nowSeconds: number;
  /** @default the scheme's window */
  readonly toleranceSeconds?: number;
}

/**
 * The v0 request signature Slack and Zoom both use, under their own header
 * names: `v0=` + hex HMAC-SHA256(secret, `v0:<timestamp>:<raw body>`).
 * `verify` checks the timestamp first (a captured request replayed later is
 * stale), then the HMAC in constant time.
 */
export const v0Scheme = ({ provider, signatureHeader, timestampHeader, toleranceSeconds }: V0Scheme) => {
  const sign = (secret: string, timestamp: string, rawBody: string): string =>
    `v0=${hmacSha256Hex(secret, `v0:${timestamp}:${rawBody}`)}`;
  const reject = (reason: 'unauthenticated' | 'stale' | 'malformed', detail: string) =>
    Effect.fail(new WebhookRejected({ provider, reason, detail }));
  const verify = (secret: string, request: V0SignedRequest): Effect.Effect<void, WebhookRejected> => {
    const signature = request.headers[signatureHeader.toLowerCase()];
    const timestamp = request.headers[timestampHeader.toLowerCase()];
    if (!signature) return reject('unauthenticated', `missing ${signatureHeader} header`);
    if (!timestamp) return reject('unauthenticated', `missing ${timestampHeader} header`);
    if (!/^\d{1,12}$/.test(timestamp)) return reject('malformed', `${timestampHeader} is not a Unix time in seconds`);
    const age = Math.abs(request.nowSeconds - Number(timestamp));
    const tolerance = request.toleranceSeconds ?? toleranceSeconds;
    if (age > tolerance) return reject('stale', `request timestamp is ${age} s from now (tolerance ${tolerance} s)`);
    if (!constantTimeEquals(sign(secret, timestamp, request.rawBody), signature))
      return reject('unauthenticated', `${signatureHeader} does not match the request`);
    return Effect.void;
  };
  return { sign, verify };
};
