import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Effect } from 'effect';
import { AuthExpired, BadPayload, RateLimited, Transient } from '../../pipeline/errors.js';
import { retryAfterMs } from '../slack/client.js';

/** A response body being downloaded: a Node stream, read once, never buffered here. */
export interface Download {
  readonly body: Readable;
  readonly contentType: string;
  /** From Content-Length, when the server sent it. */
  readonly length: number | undefined;
}

/**
 * GETs a media file as a stream (redirects followed; fetch drops the
 * Authorization header when a redirect leaves the origin, as presigned
 * storage URLs require). Failures map onto the pipeline's errors.
 */
export const downloadStream = (platform: string, url: string, headers: Record<string, string>) =>
  Effect.gen(function* () {
    const response = yield* Effect.tryPromise({
      try: (signal) => fetch(url, { headers, redirect: 'follow', signal }),
      catch: (cause) => new Transient({ source: platform, detail: `download: ${String(cause)}` }),
    });
    const status = response.status;
    const discard = () => void response.body?.cancel().catch(() => undefined);
    if (status === 429) {
      discard();
      return yield* new RateLimited({
        platform,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), 1000),
        detail: 'download',
      });
    }
    if (status === 401 || status === 403) {
      discard();
      return yield* new AuthExpired({ platform, detail: `download refused (${status})` });
    }
    if (status >= 500) {
      discard();
      return yield* new Transient({ source: platform, status, detail: 'download' });
    }
    if (status !== 200 || !response.body) {
      discard();
      return yield* new BadPayload({ subject: 'response', reason: `download answered ${status}`, location: url });
    }
    const length = response.headers.get('content-length');
    return {
      body: Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>),
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      length: length === null ? undefined : Number(length),
    } satisfies Download;
  });
