import { json, type LocalServer, startLocalServer } from '../support/http-server.js';

/**
 * A local Twilio REST API (2010-04-01) for the list resources, in the wire
 * format of the public reference: `Messages.json` filtered `DateSent>=` and
 * `Recordings.json` filtered `DateCreated>=` (YYYY-MM-DD), `PageSize`, paged by
 * `next_page_uri`; HTTP basic auth with the account SID and auth token.
 * https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
 * https://www.twilio.com/docs/voice/api/recording#read-multiple-recording-resources
 */
export interface FakeTwilioMessage {
  readonly sid: string;
  readonly direction: 'inbound' | 'outbound-api' | 'outbound-call' | 'outbound-reply';
  /** RFC 2822, as Twilio writes dates. */
  readonly date_sent: string;
}
export interface FakeTwilioRecording {
  readonly sid: string;
  readonly start_time: string;
  readonly date_created: string;
}

export interface FakeTwilio extends LocalServer {
  readonly messages: FakeTwilioMessage[];
  readonly recordings: FakeTwilioRecording[];
}

export const startFakeTwilio = async (accountSid: string, authToken: string): Promise<FakeTwilio> => {
  const messages: FakeTwilioMessage[] = [];
  const recordings: FakeTwilioRecording[] = [];
  const expected = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
  const server = await startLocalServer((req, url, res) => {
    if (req.headers.authorization !== expected)
      return json(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
    const prefix = `/2010-04-01/Accounts/${accountSid}`;
    const list = <T extends { readonly date: Date }>(
      key: string,
      filter: string,
      all: readonly T[],
      strip: (t: T) => unknown,
    ) => {
      const from = url.searchParams.get(`${filter}>`);
      const size = Number(url.searchParams.get('PageSize') ?? 50);
      // One item a page whatever PageSize asks, so a client must follow next_page_uri.
      const page = Number(url.searchParams.get('Page') ?? 0);
      const matching = all.filter((x) => !from || x.date >= new Date(`${from}T00:00:00Z`));
      const slice = matching.slice(page, page + 1);
      const next = new URLSearchParams(url.searchParams);
      next.set('Page', String(page + 1));
      json(res, 200, {
        [key]: slice.map(strip),
        page,
        page_size: size,
        uri: `${url.pathname}${url.search}`,
        next_page_uri: page + 1 < matching.length ? `${url.pathname}?${next}` : null,
      });
    };
    if (url.pathname === `${prefix}/Messages.json`)
      return list(
        'messages',
        'DateSent',
        messages.map((m) => ({ ...m, date: new Date(m.date_sent) })),
        ({ date: _, ...m }) => ({ ...m, account_sid: accountSid, status: 'received' }),
      );
    if (url.pathname === `${prefix}/Recordings.json`)
      return list(
        'recordings',
        'DateCreated',
        recordings.map((r) => ({ ...r, date: new Date(r.date_created) })),
        ({ date: _, ...r }) => ({ ...r, account_sid: accountSid, status: 'completed' }),
      );
    json(res, 404, { code: 20404, message: 'The requested resource was not found', status: 404 });
  });
  return Object.assign(server, { messages, recordings });
};
