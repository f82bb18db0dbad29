import { Effect } from 'effect';
import { describe, expect, it } from 'vitest';
import {
  twilioSignature,
  urlVariants,
  verifyTwilioSignature,
} from '../../../../src/services/connectors/twilio/signature.js';

// Twilio's published example (twilio.com/docs/usage/webhooks/webhooks-security).
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const SIGNATURE = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';
// The JSON-body vector published in Twilio's SDK test suites (twilio-node, twilio-python, ...).
const JSON_BODY = '{"property": "value", "boolean": true}';
const JSON_URL = `${URL_}&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620`;
const JSON_SIGNATURE = 'a9nBmqA0ju/hNViExpshrM61xv4=';

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

const verify = (input: { url?: string; body?: string; signature?: string; contentType?: string }) =>
  Effect.runSync(
    Effect.result(
      verifyTwilioSignature({
        authToken: TOKEN,
        url: input.url ?? URL_,
        rawBody: input.body ?? form(PARAMS),
        headers: {
          'x-twilio-signature': input.signature ?? SIGNATURE,
          'content-type': input.contentType ?? 'application/x-www-form-urlencoded',
        },
      }),
    ),
  );

const reason = (r: ReturnType<typeof verify>) => (r._tag === 'Failure' ? r.failure.reason : 'accepted');

describe('Twilio X-Twilio-Signature', () => {
  it("computes Twilio's published example signature", () => {
    expect(twilioSignature(TOKEN, URL_, Object.entries(PARAMS))).toBe(SIGNATURE);
  });

  it("accepts Twilio's published form example whatever order the parameters arrive in", () => {
    expect(reason(verify({}))).toBe('accepted');
    expect(reason(verify({ body: form(Object.fromEntries(Object.entries(PARAMS).reverse())) }))).toBe('accepted');
  });

  it('refuses a changed parameter, an added parameter and a different URL', () => {
    expect(reason(verify({ body: form({ ...PARAMS, Digits: '9999' }) }))).toBe('unauthenticated');
    expect(reason(verify({ body: form({ ...PARAMS, Extra: 'x' }) }))).toBe('unauthenticated');
    expect(reason(verify({ url: 'https://mycompany.com/myapp.php?foo=1&bar=3' }))).toBe('unauthenticated');
  });

  it('accepts the URL with or without the default port, as Twilio signs either', () => {
    expect(urlVariants(URL_)).toContain('https://mycompany.com:443/myapp.php?foo=1&bar=2');
    const signedWithPort = twilioSignature(
      TOKEN,
      'https://mycompany.com:443/myapp.php?foo=1&bar=2',
      Object.entries(PARAMS),
    );
    expect(reason(verify({ signature: signedWithPort }))).toBe('accepted');
  });

  it("accepts Twilio's published JSON-body vector (bodySHA256 in the URL)", () => {
    expect(
      reason(verify({ url: JSON_URL, body: JSON_BODY, signature: JSON_SIGNATURE, contentType: 'application/json' })),
    ).toBe('accepted');
  });

  it('refuses a JSON body that does not hash to bodySHA256, and a JSON URL without it', () => {
    const tampered = verify({
      url: JSON_URL,
      body: '{"property": "evil", "boolean": true}',
      signature: JSON_SIGNATURE,
      contentType: 'application/json',
    });
    expect(tampered._tag === 'Failure' && tampered.failure.detail).toContain('bodySHA256');
    const noHash = verify({ body: JSON_BODY, signature: JSON_SIGNATURE, contentType: 'application/json' });
    expect(reason(noHash)).toBe('unauthenticated');
  });

  it('refuses a request without the signature header', () => {
    const r = Effect.runSync(
      Effect.result(verifyTwilioSignature({ authToken: TOKEN, url: URL_, rawBody: form(PARAMS), headers: {} })),
    );
    expect(reason(r)).toBe('unauthenticated');
  });
});
