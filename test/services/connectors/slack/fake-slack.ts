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
  const requests: URL[] = [];
  const faults: Array<{ status: number; headers?: Record<string, string>; body: unknown }> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };
    const fault = faults.shift();
    if (fault) return send(fault.status, fault.body, fault.headers);
    if (req.headers.authorization !== `Bearer ${token}`) return send(200, { ok: false, error: 'invalid_auth' });
    if (url.pathname !== '/api/conversations.history') return send(404, { ok: false, error: 'unknown_method' });
    const channel = url.searchParams.get('channel') ?? '';
    const all = channels.get(channel);
    if (!all) return send(200, { ok: false, error: 'channel_not_found' });
    const oldest = Number(url.searchParams.get('oldest') ?? '0');
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '100'), 999);
    const latest = Number(url.searchParams.get('latest') ?? 'Infinity');
    const newestFirst = all
      .filter((m) => Number(m.ts) > oldest && Number(m.ts) <= latest)
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const cursor = url.searchParams.get('cursor');
    const start = cursor ? Number(Buffer.from(cursor, 'base64').toString().replace('next_ts:', '')) : 0;
    const page = newestFirst.slice(start, start + limit);
    const more = start + limit < newestFirst.length;
    return send(200, {
      ok: true,
      messages: page,
      has_more: more,
      pin_count: 0,
      response_metadata: { next_cursor: more ? Buffer.from(`next_ts:${start + limit}`).toString('base64') : '' },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`,
    channels,
    requests,
    faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
