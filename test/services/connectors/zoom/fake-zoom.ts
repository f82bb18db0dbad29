import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Deterministic file content, so a test can check the archived bytes by hash. */
export const fileBytes = (id: string, size: number): Buffer => {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(id).digest();
  for (let at = 0; at < size; at += block.length) {
    block.copy(out, at);
    block = createHash('sha256').update(block).digest();
  }
  return out;
};

/**
 * Zoom's REST API as documented for cloud recordings: `GET /v2/users/{id}/recordings`
 * (from/to, page_size, next_page_token), `GET /v2/meetings/{meetingId}/recordings`, and file downloads that take a Bearer
 * token (the webhook's download token or an OAuth token) and redirect to storage.
 */
export const startFakeZoom = async (oauthToken: string, downloadToken: string) => {
  const meetings: Array<Record<string, unknown>> = [];
  const files = new Map<string, Buffer>();
  const requests: Array<{ path: string; authorization: string | undefined }> = [];
  const faults: number[] = [];
  let base = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', base);
    requests.push({ path: url.pathname, authorization: req.headers.authorization });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const fault = faults.shift();
    if (fault)
      return json(
        fault,
        { code: 429, message: 'You have reached the maximum per-second rate limit' },
        { 'retry-after': '2' },
      );
    const list = /^\/v2\/users\/([^/]+)\/recordings$/.exec(url.pathname);
    if (list) {
      if (req.headers.authorization !== `Bearer ${oauthToken}`)
        return json(401, { code: 124, message: 'Invalid access token.' });
      const from = url.searchParams.get('from') ?? '';
      const to = url.searchParams.get('to') ?? '';
      const size = Number(url.searchParams.get('page_size') ?? '30');
      const start = Number(url.searchParams.get('next_page_token') || '0');
      const inWindow = meetings.filter(
        (m) => String(m.start_time).slice(0, 10) >= from && String(m.start_time).slice(0, 10) <= to,
      );
      const page = inWindow.slice(start, start + Math.min(size, 1));
      const next = start + page.length < inWindow.length ? String(start + page.length) : '';
      return json(200, {
        from,
        to,
        page_size: size,
        total_records: inWindow.length,
        next_page_token: next,
        meetings: page,
      });
    }
    // GET /meetings/{meetingId}/recordings: one instance's files with their download_url (the uuid arrives
    // encoded twice when it starts with `/` or contains `//`, once otherwise; the raw path is matched).
    const one = /^\/v2\/meetings\/([^/]+)\/recordings$/.exec(req.url?.split('?')[0] ?? '');
    if (one) {
      if (req.headers.authorization !== `Bearer ${oauthToken}`)
        return json(401, { code: 124, message: 'Invalid access token.' });
      let uuid = decodeURIComponent(one[1] as string);
      if (uuid.startsWith('%2F') || uuid.includes('%2F%2F')) uuid = decodeURIComponent(uuid);
      const found = meetings.find((m) => m.uuid === uuid);
      return found ? json(200, found) : json(404, { code: 3301, message: 'This recording does not exist.' });
    }
    const download = /^\/rec\/download\/(.+)$/.exec(url.pathname);
    if (download) {
      const auth = req.headers.authorization;
      if (auth !== `Bearer ${downloadToken}` && auth !== `Bearer ${oauthToken}`)
        return json(401, { code: 124, message: 'Invalid access token.' });
      res.writeHead(302, { location: `${base}/storage/${download[1]}?X-Amz-Signature=abc` });
      return res.end();
    }
    const stored = /^\/storage\/(.+)$/.exec(url.pathname);
    const bytes = stored ? files.get(stored[1] as string) : undefined;
    if (bytes) {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(bytes.length) });
      return res.end(bytes);
    }
    return json(404, { code: 3301, message: 'This recording does not exist.' });
  });
  // A loaded machine can leave more than Node's default 5 s between two requests on one kept-alive
  // connection; the client would then reuse a socket the server is closing ("fetch failed").
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    apiUrl: `${base}/v2`,
    meetings,
    files,
    requests,
    faults,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
