import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import { slackSigning } from '../../../../src/services/connectors/slack/signature.js';
import type { WebhookRejected } from '../../../../src/services/webhooks/errors.js';

// Slack's published example (api.slack.com/authentication/verifying-requests-from-slack).
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const TIMESTAMP = '1531420618';
const BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const verify = (overrides: { headers?: Record<string, string>; body?: string; now?: number; secret?: string } = {}) =>
  Effect.runSync(
    Effect.result(
      slackSigning.verify(overrides.secret ?? SECRET, {
        headers: overrides.headers ?? { 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': TIMESTAMP },
        rawBody: overrides.body ?? BODY,
        nowSeconds: overrides.now ?? Number(TIMESTAMP) + 10,
      }),
    ),
  );

const rejection = (result: ReturnType<typeof verify>): WebhookRejected => {
  if (result._tag !== 'Failure') throw new Error('expected a rejection');
  return result.failure;
};

describe('Slack request signing', () => {
  it("computes Slack's published example signature", () => {
    expect(slackSigning.sign(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
  });

  it("accepts Slack's published example within five minutes of its timestamp", () => {
    expect(verify()._tag).toBe('Success');
    expect(verify({ now: Number(TIMESTAMP) - 300 })._tag).toBe('Success');
  });

  it('refuses the example when one byte of the body is changed', () => {
    const r = rejection(verify({ body: BODY.replace('foobar', 'foobaz') }));
    expect(r.reason).toBe('unauthenticated');
  });

  it('refuses the example signed with another secret', () => {
    expect(rejection(verify({ secret: `${SECRET}x` })).reason).toBe('unauthenticated');
  });

  it('refuses the example replayed more than five minutes later as stale', () => {
    const r = rejection(verify({ now: Number(TIMESTAMP) + 301 }));
    expect(r.reason).toBe('stale');
    expect(r.detail).toContain('301 s');
  });

  it('refuses a fresh timestamp grafted onto the old signature', () => {
    const now = Number(TIMESTAMP) + 3600;
    const headers = { 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': String(now) };
    expect(rejection(verify({ headers, now })).reason).toBe('unauthenticated');
  });

  it('names the missing header and refuses a non-numeric timestamp as malformed', () => {
    expect(rejection(verify({ headers: { 'x-slack-request-timestamp': TIMESTAMP } })).detail).toContain(
      'X-Slack-Signature',
    );
    expect(rejection(verify({ headers: { 'x-slack-signature': SIGNATURE } })).detail).toContain(
      'X-Slack-Request-Timestamp',
    );
    const headers = { 'x-slack-signature': SIGNATURE, 'x-slack-request-timestamp': '1531420618.5' };
    expect(rejection(verify({ headers })).reason).toBe('malformed');
  });
});
