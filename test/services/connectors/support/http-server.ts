import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A canned response injected ahead of the normal ones (429, 5xx, 401, expiry). */
export interface InjectedResponse {
  /** Only requests whose path contains this are answered with it. */
  readonly pathIncludes: string;
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
  /** How many matching requests get it. @default 1 */
  times?: number;
}

export interface LocalServer {
  readonly baseUrl: string;
  /** Every request path (with query), in order. */
  readonly requests: string[];
  readonly inject: InjectedResponse[];
  readonly close: () => Promise<void>;
}

export const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

/** A node:http server on a free port; `route` answers what injections do not. */
export const startLocalServer = async (
  route: (req: IncomingMessage, url: URL, res: ServerResponse, baseUrl: string) => void,
): Promise<LocalServer> => {
  const state: { baseUrl: string } = { baseUrl: '' };
  const requests: string[] = [];
  const inject: InjectedResponse[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', state.baseUrl);
    requests.push(`${url.pathname}${url.search}`);
    const hit = inject.find((i) => url.pathname.includes(i.pathIncludes) && (i.times ?? 1) > 0);
    if (hit) {
      hit.times = (hit.times ?? 1) - 1;
      json(res, hit.status, hit.body, hit.headers);
      return;
    }
    route(req, url, res, state.baseUrl);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: state.baseUrl,
    requests,
    inject,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
