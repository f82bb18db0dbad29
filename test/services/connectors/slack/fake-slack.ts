import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSlackMessage {
  readonly type: 'message';
  readonly user: string;
  readonly text: string;
  readonly ts: string;
  readonly thread_ts?: string;
  readonly edited?: { readonly user: string; readonly ts: string };
  /** Everything else Slack documents on a message (blocks, files, reactions, attachments...). */
  readonly [field: string]: unknown;
}

/**
 * A local Slack Web API speaking `conversations.history` as documented:
 * newest first, `oldest` exclusive, `limit`, opaque `cursor` with
 * `response_metadata.next_cursor`, `ok:false` errors, 429 with Retry-After.
 */
export const startFakeSlack = async (token: string) => {
  const channels = new Map<string, FakeSlackMessage[]>();
  /** Hosted files by id: their bytes, and the file object `files.info` answers. */
  const files = new Map<string, { content: Buffer; object: Record<string, unknown> }>();
  const requests: URL[] = [];
  const faults: Array<{ status: number; headers?: Record<string, string>; body: unknown }> = [];
  /** Statuses the next file downloads answer with, in order (then the file). */
  const downloadFaults: number[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname.startsWith('/files-pri/')) {
      const failing = downloadFaults.shift();
      if (failing !== undefined) return send(failing, { ok: false });
      // Slack answers a download without a valid token with 200 and its sign-in page, not 401.
      if (req.headers.authorization !== `Bearer ${token}`) {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        return res.end('<!DOCTYPE html><html><body>Sign in to Slack</body></html>');
      }
      const id = url.pathname.split('/')[2]?.split('-')[1] ?? '';
      const file = files.get(id);
      if (!file) return send(404, { ok: false, error: 'file_not_found' });
      res.writeHead(200, { 'content-type': String(file.object.mimetype ?? 'application/octet-stream') });
      return res.end(file.content);
    }
    const fault = faults.shift();
    if (fault) return send(fault.status, fault.body, fault.headers);
    if (req.headers.authorization !== `Bearer ${token}`) return send(200, { ok: false, error: 'invalid_auth' });
    if (url.pathname === '/api/files.info') {
      const file = files.get(url.searchParams.get('file') ?? '');
      return file ? send(200, { ok: true, file: file.object }) : send(200, { ok: false, error: 'file_not_found' });
    }
    const isReplies = url.pathname === '/api/conversations.replies';
    if (url.pathname !== '/api/conversations.history' && !isReplies)
      return send(404, { ok: false, error: 'unknown_method' });
    const channel = url.searchParams.get('channel') ?? '';
    const all = channels.get(channel);
    if (!all) return send(200, { ok: false, error: 'channel_not_found' });
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '100'), 999);
    const cursor = url.searchParams.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64').toString().replace('next_ts:', '')) : 0;
    const isReply = (m: FakeSlackMessage) =>
      m.thread_ts !== undefined && m.thread_ts !== m.ts && all.some((p) => p.ts === m.thread_ts);
    // A parent carries its thread's figures, as Slack adds them.
    const withThread = (m: FakeSlackMessage): FakeSlackMessage => {
      const replies = all.filter((r) => isReply(r) && r.thread_ts === m.ts);
      return replies.length === 0
        ? m
        : {
            ...m,
            thread_ts: m.ts,
            reply_count: replies.length,
            reply_users: [...new Set(replies.map((r) => r.user))],
            reply_users_count: new Set(replies.map((r) => r.user)).size,
            latest_reply: replies
              .map((r) => r.ts)
              .sort()
              .at(-1),
          };
    };
    const listed = isReplies
      ? // conversations.replies: the parent, then its replies, oldest first.
        all
          .filter(
            (m) => m.ts === url.searchParams.get('ts') || (isReply(m) && m.thread_ts === url.searchParams.get('ts')),
          )
          .sort((a, b) => Number(a.ts) - Number(b.ts))
      : all
          .filter((m) => !isReply(m))
          .filter(
            (m) =>
              Number(m.ts) > Number(url.searchParams.get('oldest') ?? '0') &&
              Number(m.ts) <= Number(url.searchParams.get('latest') ?? 'Infinity'),
          )
          .sort((a, b) => Number(b.ts) - Number(a.ts));
    if (isReplies && listed.length === 0) return send(200, { ok: false, error: 'thread_not_found' });
    const page = listed.slice(start, start + limit).map(withThread);
    const more = start + limit < listed.length;
    return send(200, {
      ok: true,
      messages: page,
      has_more: more,
      ...(isReplies ? {} : { pin_count: 0 }),
      response_metadata: { next_cursor: more ? Buffer.from(`next_ts:${start + limit}`).toString('base64') : '' },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  /**
   * Hosts a file and returns its file object as the documentation shows it
   * (https://docs.slack.dev/reference/objects/file-object), URLs pointing here.
   */
  const hostFile = (
    id: string,
    name: string,
    mimetype: string,
    content: Buffer,
    extra: Record<string, unknown> = {},
  ) => {
    const object = {
      id,
      created: 1531763342,
      timestamp: 1531763342,
      name,
      title: name,
      mimetype,
      filetype: name.split('.').pop() ?? '',
      pretty_type: mimetype,
      user: 'U061F7AUR',
      editable: false,
      size: content.length,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: true,
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      url_private: `${origin}/files-pri/T061EG9R6-${id}/${name}`,
      url_private_download: `${origin}/files-pri/T061EG9R6-${id}/download/${name}`,
      permalink: `https://acme.slack.com/files/U061F7AUR/${id}/${name}`,
      comments_count: 0,
      is_starred: false,
      ...extra,
    };
    files.set(id, { content, object });
    return object;
  };
  return {
    baseUrl: `${origin}/api`,
    files,
    hostFile,
    downloadFaults,
    channels,
    requests,
    faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
