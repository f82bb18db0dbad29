import { describe, expect, it } from 'vitest';
import { emailItem } from '../../../../src/services/connectors/email/email-item.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));

describe('emailItem', () => {
  it('a provider message that parses as an email is an RFC 822 item keyed by its provider id', async () => {
    const raw = bytes(
      'From: a@example.com\r\nTo: b@example.com\r\nSubject: settlement\r\nDate: Tue, 1 Oct 2024 10:00:00 +0000\r\n\r\nhello\r\n',
    );
    const item = await emailItem(raw, 'gmail:me/1', { sourceId: '1', metadata: { gmailId: '1' } });
    expect(item).toMatchObject({ sourceId: '1', raw, contentType: 'message/rfc822' });
    expect('communication' in item && item.communication.subject).toBe('settlement');
  });

  it('bytes that are not an email are skipped at the given location, with the reason', async () => {
    const item = await emailItem(bytes('\u0000\u0001 not mail'), 'm365:box/2', { sourceId: '2' });
    expect(item).toEqual({ location: 'm365:box/2', reason: expect.any(String) });
  });
});
