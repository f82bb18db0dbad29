import { Effect, type Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { zoomSigning, zoomUrlValidation } from '../../../../src/services/connectors/zoom/signature.js';
import type { WebhookRejected } from '../../../../src/services/webhooks/errors.js';

// Zoom's documented challenge (developers.zoom.us, "Validate your webhook endpoint"): the
// request body and plainToken as printed there. Zoom prints no secret token, so the
// expected encryptedToken is the vector published in Elastic Beats' http_endpoint tests
// (secret "secretValueTest").
const CHALLENGE_BODY =
  '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';
const SECRET = 'secretValueTest';
const ENCRYPTED = '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff';
const TS = '1654503850';

const verify = (headers: Record<string, string>, body = CHALLENGE_BODY, now = Number(TS)) =>
  Effect.runSync(Effect.result(zoomSigning.verify(SECRET, { headers, rawBody: body, nowSeconds: now })));

const reason = (r: Result.Result<unknown, WebhookRejected>) => (r._tag === 'Failure' ? r.failure.reason : 'accepted');

describe('Zoom x-zm-signature and endpoint.url_validation', () => {
  it('answers the documented challenge with HMAC-SHA256(secret, plainToken) in hex', () => {
    const plainToken = JSON.parse(CHALLENGE_BODY).payload.plainToken;
    expect(Effect.runSync(zoomUrlValidation(SECRET, plainToken))).toEqual({ plainToken, encryptedToken: ENCRYPTED });
  });

  it('refuses to sign a plainToken shaped like a signature base string (no signing oracle)', () => {
    const forged = `v0:${TS}:{"event":"recording.completed"}`;
    const r = Effect.runSync(Effect.result(zoomUrlValidation(SECRET, forged)));
    expect(reason(r)).toBe('malformed');
  });

  it('accepts a request signed v0 over timestamp and raw body', () => {
    const headers = { 'x-zm-signature': zoomSigning.sign(SECRET, TS, CHALLENGE_BODY), 'x-zm-request-timestamp': TS };
    expect(headers['x-zm-signature']).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(reason(verify(headers))).toBe('accepted');
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and missing headers', () => {
    const headers = { 'x-zm-signature': zoomSigning.sign(SECRET, TS, CHALLENGE_BODY), 'x-zm-request-timestamp': TS };
    expect(reason(verify(headers, CHALLENGE_BODY.replace('qgg8', 'qgg9')))).toBe('unauthenticated');
    const other = { ...headers, 'x-zm-signature': zoomSigning.sign('another', TS, CHALLENGE_BODY) };
    expect(reason(verify(other))).toBe('unauthenticated');
    expect(reason(verify(headers, CHALLENGE_BODY, Number(TS) + 301))).toBe('stale');
    expect(reason(verify({ 'x-zm-request-timestamp': TS }))).toBe('unauthenticated');
  });
});
