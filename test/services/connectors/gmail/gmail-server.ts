import { json, type LocalServer, startLocalServer } from '../support/http-server.js';

/**
 * A local Gmail API (v1) speaking the wire format of the public reference:
 * users.getProfile, users.messages.list (`q` after:/before: in epoch seconds), users.history.list (messageAdded
 * records, nextPageToken, historyId; 404 for a historyId older than the
 * mailbox keeps) and users.messages.get?format=raw (base64url RFC 822).
 * https://developers.google.com/gmail/api/reference/rest
 */
export interface GmailMessage {
  readonly id: string;
  readonly threadId: string;
  readonly labelIds: string[];
  readonly internalDate: string;
  readonly raw: string;
  readonly historyId: number;
}

export interface GmailServer extends LocalServer {
  readonly messages: Map<string, GmailMessage>;
  /** Adds a message and a messageAdded history record; returns its id. */
  add: (rfc822: string, labelIds?: string[]) => string;
  /** `minHistoryId`: history older than this is gone (history.list answers 404). */
  readonly state: { historyId: number; minHistoryId: number };
  readonly token: string;
}

const googleError = (code: number, status: string, message: string, reason: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason }], status },
});

export const startGmailServer = async (token = 'gmail-token'): Promise<GmailServer> => {
  const messages = new Map<string, GmailMessage>();
  const history: Array<{ id: number; message: { id: string; threadId: string; labelIds: string[] } }> = [];
  const state = { historyId: 1000, minHistoryId: 0 };

  const server = await startLocalServer((req, url, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      json(
        res,
        401,
        googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', 'authError'),
        {
          'www-authenticate': 'Bearer realm="https://accounts.google.com/"',
        },
      );
      return;
    }
    const m = url.pathname.match(/^\/gmail\/v1\/users\/([^/]+)(\/.*)$/);
    const path = m?.[2] ?? '';
    const maxResults = Number(url.searchParams.get('maxResults') ?? 100);
    const offset = Number(url.searchParams.get('pageToken') ?? 0);
    if (path === '/profile') {
      json(res, 200, {
        emailAddress: 'trader@acme.example',
        messagesTotal: messages.size,
        threadsTotal: messages.size,
        historyId: String(state.historyId),
      });
    } else if (path === '/messages') {
      // Newest first, as Gmail lists them; SPAM and TRASH only with includeSpamTrash=true (users.messages.list).
      const withSpamTrash = url.searchParams.get('includeSpamTrash') === 'true';
      // `q` with after:/before: in seconds since the epoch (the filtering guide's precise form), on internalDate.
      const q = url.searchParams.get('q') ?? '';
      const after = /(?:^|\s)after:(\d+)/.exec(q)?.[1];
      const before = /(?:^|\s)before:(\d+)/.exec(q)?.[1];
      const all = [...messages.values()]
        .reverse()
        .filter((x) => withSpamTrash || !x.labelIds.some((l) => l === 'SPAM' || l === 'TRASH'))
        .filter((x) => after === undefined || Number(x.internalDate) >= Number(after) * 1000)
        .filter((x) => before === undefined || Number(x.internalDate) < Number(before) * 1000);
      const page = all.slice(offset, offset + maxResults);
      const next = offset + maxResults < all.length ? String(offset + maxResults) : undefined;
      json(res, 200, {
        messages: page.map((x) => ({ id: x.id, threadId: x.threadId })),
        ...(next ? { nextPageToken: next } : {}),
        resultSizeEstimate: all.length,
      });
    } else if (path === '/history') {
      const start = Number(url.searchParams.get('startHistoryId'));
      if (!Number.isFinite(start) || start < state.minHistoryId) {
        json(res, 404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound'));
        return;
      }
      const records = history.filter((h) => h.id > start);
      const page = records.slice(offset, offset + maxResults);
      const next = offset + maxResults < records.length ? String(offset + maxResults) : undefined;
      json(res, 200, {
        ...(page.length > 0
          ? {
              history: page.map((h) => ({
                id: String(h.id),
                messages: [h.message],
                messagesAdded: [{ message: h.message }],
              })),
            }
          : {}),
        ...(next ? { nextPageToken: next } : {}),
        historyId: String(state.historyId),
      });
    } else if (path.startsWith('/messages/')) {
      const message = messages.get(path.slice('/messages/'.length));
      if (!message) {
        json(res, 404, googleError(404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound'));
        return;
      }
      if (url.searchParams.get('format') !== 'raw') throw new Error('the connector must ask for format=raw');
      json(res, 200, {
        id: message.id,
        threadId: message.threadId,
        labelIds: message.labelIds,
        snippet: '',
        sizeEstimate: message.raw.length,
        historyId: String(message.historyId),
        internalDate: message.internalDate,
        raw: message.raw,
      });
    } else {
      json(res, 404, googleError(404, 'NOT_FOUND', 'Not Found', 'notFound'));
    }
  });

  let seq = 0;
  return Object.assign(server, {
    messages,
    token,
    state,
    add: (rfc822: string, labelIds: string[] = ['INBOX']) => {
      seq += 1;
      const id = `18c${String(seq).padStart(13, '0')}`;
      state.historyId += 7;
      const message: GmailMessage = {
        id,
        threadId: id,
        labelIds,
        internalDate: String(Date.UTC(2025, 0, 6, 9, seq)),
        raw: Buffer.from(rfc822, 'utf8').toString('base64url'),
        historyId: state.historyId,
      };
      messages.set(id, message);
      history.push({ id: state.historyId, message: { id, threadId: id, labelIds } });
      return id;
    },
  });
};
