import { json, type LocalServer, startLocalServer } from '../support/http-server.js';

/**
 * A local Microsoft Graph (v1.0) mail API in the wire format of the public
 * reference: mailFolders (+ childFolders) with @odata.nextLink paging,
 * messages/delta per folder (Prefer: odata.maxpagesize, @odata.nextLink with
 * $skiptoken, @odata.deltaLink with $deltatoken, `@removed` for deletions,
 * 410 SyncStateNotFound for a forgotten token) and /messages/{id}/$value
 * (the MIME content).
 * https://learn.microsoft.com/graph/delta-query-messages
 */
export interface GraphFolder {
  readonly id: string;
  readonly displayName: string;
  readonly parentFolderId?: string;
}

interface Change {
  readonly seq: number;
  readonly folderId: string;
  readonly messageId: string;
  readonly removed: boolean;
}

export interface GraphServer extends LocalServer {
  readonly folders: GraphFolder[];
  /** Adds a message to a folder; returns its Graph id. */
  add: (folderId: string, mime: string) => string;
  remove: (folderId: string, messageId: string) => void;
  /** `forgetTokens()` makes every delta/skip token issued so far unknown (410), as when Graph drops a sync state. */
  forgetTokens: () => void;
  readonly mailbox: string;
}

const graphError = (code: string, message: string) => ({
  error: { code, message, innerError: { date: '2025-01-06T10:00:00', 'request-id': 'r', 'client-request-id': 'c' } },
});

export const startGraphServer = async (
  token = 'graph-token',
  mailbox = 'trader@acme.example',
): Promise<GraphServer> => {
  const folders: GraphFolder[] = [
    { id: 'AAMkInbox', displayName: 'Inbox' },
    { id: 'AAMkSent', displayName: 'Sent Items' },
    { id: 'AAMkDeals', displayName: 'Deals', parentFolderId: 'AAMkInbox' },
  ];
  const mime = new Map<string, { folderId: string; text: string; received: string }>();
  const changes: Change[] = [];
  const state = { generation: 1, seq: 0 };

  const server = await startLocalServer((req, url, res, base) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      json(res, 401, graphError('InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'));
      return;
    }
    const prefix = `/v1.0/users/${encodeURIComponent(mailbox)}`;
    if (!url.pathname.startsWith(prefix)) {
      json(res, 404, graphError('ErrorInvalidUser', `The requested user '${url.pathname}' is invalid.`));
      return;
    }
    const path = url.pathname.slice(prefix.length);
    const folderList = (parent: string | undefined) => {
      const list = folders.filter((f) => f.parentFolderId === parent);
      // One folder per page, so the connector must follow @odata.nextLink.
      const skip = Number(url.searchParams.get('$skip') ?? 0);
      const page = list.slice(skip, skip + 1);
      const next = skip + 1 < list.length ? `${base}${url.pathname}?$top=1&$skip=${skip + 1}` : undefined;
      json(res, 200, {
        '@odata.context': `${base}/v1.0/$metadata#users('${mailbox}')/mailFolders`,
        value: page.map((f) => ({
          id: f.id,
          displayName: f.displayName,
          parentFolderId: f.parentFolderId ?? 'AAMkRoot',
          childFolderCount: folders.filter((c) => c.parentFolderId === f.id).length,
          unreadItemCount: 0,
          totalItemCount: [...mime.values()].filter((m) => m.folderId === f.id).length,
          isHidden: false,
        })),
        ...(next ? { '@odata.nextLink': next } : {}),
      });
    };
    if (path === '/mailFolders') return folderList(undefined);
    const children = path.match(/^\/mailFolders\/([^/]+)\/childFolders$/);
    if (children) return folderList(children[1]);
    const delta = path.match(/^\/mailFolders\/([^/]+)\/messages\/delta$/);
    if (delta) {
      const m = delta;
      const folderId = decodeURIComponent(m[1] ?? '');
      const pageSize = Number(/odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ''))?.[1] ?? 10);
      const deltaToken = url.searchParams.get('$deltatoken');
      const skipToken = url.searchParams.get('$skiptoken');
      // A token is "generation:since:offset"; since = the change sequence the round started after.
      const [generationText, sinceText, offsetText] = (skipToken ?? deltaToken ?? `${state.generation}:0:0`).split(':');
      const since = Number(sinceText);
      if (Number(generationText) !== state.generation) {
        json(res, 410, graphError('SyncStateNotFound', 'The sync state generation is not found.'));
        return;
      }
      const upTo = skipToken ? Number(url.searchParams.get('upTo')) : state.seq;
      const offset = skipToken ? Number(offsetText) : 0;
      const relevant = changes.filter((c) => c.folderId === folderId && c.seq > since && c.seq <= upTo);
      const page = relevant.slice(offset, offset + pageSize);
      const link = `${base}${url.pathname}`;
      const body: Record<string, unknown> = {
        '@odata.context': `${base}/v1.0/$metadata#Collection(message)`,
        value: page.map((c) =>
          c.removed
            ? { '@odata.type': '#microsoft.graph.message', id: c.messageId, '@removed': { reason: 'deleted' } }
            : {
                '@odata.type': '#microsoft.graph.message',
                '@odata.etag': `W/"${c.seq}"`,
                id: c.messageId,
                receivedDateTime: mime.get(c.messageId)?.received,
                conversationId: `conv-${c.messageId}`,
              },
        ),
      };
      if (offset + pageSize < relevant.length) {
        body['@odata.nextLink'] = `${link}?$skiptoken=${state.generation}:${since}:${offset + pageSize}&upTo=${upTo}`;
      } else {
        body['@odata.deltaLink'] = `${link}?$deltatoken=${state.generation}:${upTo}:0`;
      }
      json(res, 200, body, { 'preference-applied': `odata.maxpagesize=${pageSize}` });
      return;
    }
    const raw = path.match(/^\/messages\/([^/]+)\/\$value$/);
    if (raw) {
      const m = raw;
      const message = mime.get(decodeURIComponent(m[1] ?? ''));
      if (!message) {
        json(res, 404, graphError('ErrorItemNotFound', 'The specified object was not found in the store.'));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(message.text);
      return;
    }
    json(res, 400, graphError('BadRequest', `Unsupported path ${path}`));
  });

  let ids = 0;
  return Object.assign(server, {
    folders,
    mailbox,
    forgetTokens: () => {
      state.generation += 1;
    },
    add: (folderId: string, text: string) => {
      ids += 1;
      const id = `AAMkAGI2${String(ids).padStart(6, '0')}AAA=`;
      mime.set(id, { folderId, text, received: new Date(Date.UTC(2025, 0, 6, 9, ids)).toISOString() });
      changes.push({ seq: ++state.seq, folderId, messageId: id, removed: false });
      return id;
    },
    remove: (folderId: string, messageId: string) => {
      mime.delete(messageId);
      changes.push({ seq: ++state.seq, folderId, messageId, removed: true });
    },
  });
};
