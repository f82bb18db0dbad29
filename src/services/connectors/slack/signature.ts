import { v0Scheme } from '../../webhooks/v0-signature.js';

/**
 * Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature` is `v0=` + HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`), and
 * requests older (or newer) than five minutes are refused.
 */
export const slackSigning = v0Scheme({
  provider: 'slack',
  signatureHeader: 'X-Slack-Signature',
  timestampHeader: 'X-Slack-Request-Timestamp',
  toleranceSeconds: 300,
});
