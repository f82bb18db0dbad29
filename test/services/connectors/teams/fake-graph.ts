import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatMessage {
  id: string;
  chatId: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  lastEditedDateTime: string | null;
  deletedDateTime: string | null;
  messageType: 'message';
  replyToId: string | null;
  from: { user: { id: string; displayName: string } };
  body: { contentType: 'html' | 'text'; content: string };
  /** Everything else Graph documents on a chatMessage (mentions, reactions, attachments, eventDetail, ...). */
  [field: string]: unknown;
}

/**
 * Microsoft Graph speaking `GET /users/{id}/chats/getAllMessages` as documented:
 * requires `model`, honours `$top`, `$filter=lastModifiedDateTime gt <iso>` (the documented
 * operators are `gt` and `lt`; any other is refused with 400 as Graph refuses it),
 * pages with an absolute `@odata.nextLink`, and serves single messages at
 * `chats('{id}')/messages('{id}')`. Faults are served first, in order.
 */
export const startFakeGraph = async (token: string) => {
  const messages: FakeChatMessage[] = [];
  const requests: URL[] = [];
  const faults: Array<{ status: number; headers?: Record<string, string> }> = [];
  /** Hosted contents by id (inline images): served at `.../hostedContents/{id}/$value`. */
  const hostedContents = new Map<string, { content: Buffer; contentType: string }>();
  /** Files behind sharing URLs (SharePoint/OneDrive `contentUrl`s) the app may read; `denied` ones answer 403. */
  const driveFiles = new Map<string, { content: Buffer; contentType: string }>();
  const deniedShares = new Set<string>();
  let base = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push(url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    // A driveItem's content answers 302 to a short-lived pre-authenticated URL (no token needed there).
    const download = /\/_download\/(.+)$/.exec(url.pathname);
    if (download) {
      const file = driveFiles.get(Buffer.from(download[1] ?? '', 'base64url').toString('utf8'));
      if (!file) return send(404, { error: { code: 'itemNotFound' } });
      res.writeHead(200, { 'content-type': file.contentType });
      return res.end(file.content);
    }
    const fault = faults.shift();
    if (fault) return send(fault.status, { error: { code: 'TooManyRequests', message: 'throttled' } }, fault.headers);
    if (req.headers.authorization !== `Bearer ${token}`)
      return send(401, { error: { code: 'InvalidAuthenticationToken' } });
    const hosted = /\/hostedContents\/([^/]+)\/\$value$/.exec(url.pathname);
    if (hosted) {
      const found = hostedContents.get(decodeURIComponent(hosted[1] ?? ''));
      if (!found) return send(404, { error: { code: 'NotFound' } });
      res.writeHead(200, { 'content-type': found.contentType });
      return res.end(found.content);
    }
    // https://learn.microsoft.com/graph/api/shares-get: u! + unpadded base64url of the sharing URL.
    const share = /\/shares\/u!([^/]+)\/driveItem\/content$/.exec(url.pathname);
    if (share) {
      const sharingUrl = Buffer.from(share[1] ?? '', 'base64url').toString('utf8');
      if (deniedShares.has(sharingUrl)) return send(403, { error: { code: 'accessDenied', message: 'Access denied' } });
      if (!driveFiles.has(sharingUrl)) return send(404, { error: { code: 'itemNotFound' } });
      res.writeHead(302, { location: `${base}/_download/${Buffer.from(sharingUrl).toString('base64url')}` });
      return res.end();
    }
    const single = /\/chats\('([^']+)'\)\/messages\('([^']+)'\)$/.exec(decodeURIComponent(url.pathname));
    if (single) {
      const found = messages.find((m) => m.chatId === single[1] && m.id === single[2]);
      return found ? send(200, found) : send(404, { error: { code: 'NotFound' } });
    }
    if (!/\/users\/[^/]+\/chats\/getAllMessages$/.test(url.pathname)) return send(404, { error: { code: 'NotFound' } });
    const model = url.searchParams.get('model');
    if (model !== 'A' && model !== 'B')
      return send(402, { error: { code: 'PaymentRequired', message: 'model parameter required' } });
    const filterText = url.searchParams.get('$filter') ?? '';
    const clauses = filterText ? filterText.split(' and ') : [];
    if (clauses.some((c) => !/^lastModifiedDateTime (gt|lt) \S+$/.test(c)))
      return send(400, {
        error: { code: 'BadRequest', message: `operationKind not allowed in $filter query: ${filterText}` },
      });
    const filter = /lastModifiedDateTime gt (\S+)/.exec(filterText)?.[1];
    const upper = /lastModifiedDateTime lt (\S+)/.exec(filterText)?.[1];
    const top = Number(url.searchParams.get('$top') ?? '20');
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    const matching = messages
      .filter((m) => filter === undefined || m.lastModifiedDateTime > filter)
      .filter((m) => upper === undefined || m.lastModifiedDateTime < upper)
      .sort((a, b) => a.lastModifiedDateTime.localeCompare(b.lastModifiedDateTime));
    const page = matching.slice(skip, skip + top);
    const next = new URL(url);
    next.searchParams.set('$skiptoken', String(skip + top));
    return send(200, {
      '@odata.context': `${base}/$metadata#Collection(chatMessage)`,
      value: page,
      ...(skip + top < matching.length ? { '@odata.nextLink': next.href } : {}),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
  return {
    baseUrl: base,
    messages,
    requests,
    faults,
    hostedContents,
    driveFiles,
    deniedShares,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
};
