import { Effect } from 'effect';
import { constantTimeEquals, hmacSha256Hex } from '../../webhooks/crypto.js';
import { WebhookRejected } from '../../webhooks/errors.js';

/** Slack's replay window: requests older (or newer) than five minutes are refused. */
export const SLACK_TOLERANCE_SECONDS = 300;

/** The v0 signature Slack sends in `X-Slack-Signature`: HMAC-SHA256 over `v0:<timestamp>:<raw body>`. */
export const slackSignature = (signingSecret: string, timestamp: string, rawBody: string): string =>
  `v0=${hmacSha256Hex(signingSecret, `v0:${timestamp}:${rawBody}`)}`;

export interface SlackSignatureInput {
  readonly signingSecret: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
  /** The current time in Unix seconds. */
  readonly nowSeconds: number;
  /** @default SLACK_TOLERANCE_SECONDS */
  readonly toleranceSeconds?: number;
}

const reject = (reason: 'unauthenticated' | 'stale' | 'malformed', detail: string) =>
  new WebhookRejected({ provider: 'slack', reason, detail });

/**
 * Verifies Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * the timestamp first (a captured request replayed later is stale), then the
 * HMAC in constant time.
 */
export const verifySlackSignature = (input: SlackSignatureInput): Effect.Effect<void, WebhookRejected> => {
  const signature = input.headers['x-slack-signature'];
  const timestamp = input.headers['x-slack-request-timestamp'];
  if (!signature) return Effect.fail(reject('unauthenticated', 'missing X-Slack-Signature header'));
  if (!timestamp) return Effect.fail(reject('unauthenticated', 'missing X-Slack-Request-Timestamp header'));
  if (!/^\d{1,12}$/.test(timestamp))
    return Effect.fail(reject('malformed', 'X-Slack-Request-Timestamp is not a Unix time in seconds'));
  const age = Math.abs(input.nowSeconds - Number(timestamp));
  const tolerance = input.toleranceSeconds ?? SLACK_TOLERANCE_SECONDS;
  if (age > tolerance)
    return Effect.fail(reject('stale', `request timestamp is ${age} s from now (tolerance ${tolerance} s)`));
  const expected = slackSignature(input.signingSecret, timestamp, input.rawBody);
  if (!constantTimeEquals(expected, signature))
    return Effect.fail(reject('unauthenticated', 'X-Slack-Signature does not match the request'));
  return Effect.void;
};
