import { type V0SignedRequest, v0Scheme } from '../../webhooks/v0-signature.js';

/** Slack's replay window: requests older (or newer) than five minutes are refused. */
export const SLACK_TOLERANCE_SECONDS = 300;

/** Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack). */
const slackV0 = v0Scheme({
  provider: 'slack',
  signatureHeader: 'X-Slack-Signature',
  timestampHeader: 'X-Slack-Request-Timestamp',
  toleranceSeconds: SLACK_TOLERANCE_SECONDS,
});

/** The v0 signature Slack sends in `X-Slack-Signature`: HMAC-SHA256 over `v0:<timestamp>:<raw body>`. */
export const slackSignature = slackV0.sign;

/** Verifies `X-Slack-Signature` and `X-Slack-Request-Timestamp` with the app's signing secret. */
export const verifySlackSignature = ({ signingSecret, ...request }: SlackSignatureInput) =>
  slackV0.verify(signingSecret, request);

export type SlackSignatureInput = V0SignedRequest & { readonly signingSecret: string };
