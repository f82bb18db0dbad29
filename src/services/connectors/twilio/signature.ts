import { Effect } from 'effect';
import { constantTimeEquals, hmacSha1Base64, sha256Hex } from '../../webhooks/crypto.js';
import { WebhookRejected } from '../../webhooks/errors.js';

/**
 * Twilio's `X-Twilio-Signature` (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
 * base64 HMAC-SHA1 with the account's auth token over the full URL followed by
 * every POST parameter, sorted by name, as name+value with no separators.
 */
export const twilioSignature = (authToken: string, url: string, params: ReadonlyArray<readonly [string, string]>) => {
  // Sort by name, then by value, so repeated names sign the way Twilio's SDKs do.
  const sorted = [...params].sort(([ka, va], [kb, vb]) => (ka === kb ? cmp(va, vb) : cmp(ka, kb)));
  return hmacSha1Base64(
    authToken,
    sorted.reduce((acc, [k, v]) => acc + k + v, url),
  );
};

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Twilio signs the URL as configured; proxies and load balancers may add or
 * drop the default port, so (as Twilio's SDKs do) both forms are accepted.
 */
export const urlVariants = (url: string): ReadonlyArray<string> => {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const withoutPort = new URL(url);
  withoutPort.port = '';
  // WHATWG URL drops a default port on assignment, so splice it in by hand.
  const withPort = withoutPort.href.replace(`//${withoutPort.host}`, `//${withoutPort.hostname}:${defaultPort}`);
  return [...new Set([url, withoutPort.href, withPort])];
};

export interface TwilioSignatureInput {
  readonly authToken: string;
  /** The full public URL Twilio called, query included. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: string;
}

const reject = (reason: 'unauthenticated' | 'malformed', detail: string) =>
  new WebhookRejected({ provider: 'twilio', reason, detail });

const matchesAnyUrl = (
  input: TwilioSignatureInput,
  signature: string,
  params: ReadonlyArray<readonly [string, string]>,
) => urlVariants(input.url).some((url) => constantTimeEquals(twilioSignature(input.authToken, url, params), signature));

/**
 * Verifies a Twilio webhook. Form-encoded bodies (SMS, status callbacks) are
 * signed over URL + sorted parameters; JSON bodies are signed over the URL
 * alone, which carries `bodySHA256`, the hex SHA-256 of the body.
 */
export const verifyTwilioSignature = (input: TwilioSignatureInput): Effect.Effect<void, WebhookRejected> => {
  const signature = input.headers['x-twilio-signature'];
  if (!signature) return Effect.fail(reject('unauthenticated', 'missing X-Twilio-Signature header'));
  const contentType = input.headers['content-type'] ?? '';
  if (contentType.startsWith('application/json')) {
    const bodyHash = new URL(input.url).searchParams.get('bodySHA256');
    if (!bodyHash) return Effect.fail(reject('unauthenticated', 'JSON webhook URL carries no bodySHA256 parameter'));
    if (!matchesAnyUrl(input, signature, []))
      return Effect.fail(reject('unauthenticated', 'X-Twilio-Signature does not match the request URL'));
    if (!constantTimeEquals(sha256Hex(input.rawBody), bodyHash.toLowerCase()))
      return Effect.fail(reject('unauthenticated', 'bodySHA256 does not match the request body'));
    return Effect.void;
  }
  const params = [...new URLSearchParams(input.rawBody).entries()];
  if (!matchesAnyUrl(input, signature, params))
    return Effect.fail(reject('unauthenticated', 'X-Twilio-Signature does not match the URL and parameters'));
  return Effect.void;
};
