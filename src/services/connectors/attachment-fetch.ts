import { Effect } from 'effect';
import { sha256Hex } from '../archive/archive-store.js';
import type { Attachment } from '../pipeline/communication.js';
import { AuthExpired, BadPayload, RateLimited, Transient } from '../pipeline/errors.js';
import { retryAfterMs } from './slack/client.js';

/**
 * A file a message carries that could not be fetched for a documented reason
 * (deleted at the provider, hosted outside it): recorded beside the message
 * with the reason and its link, never dropped without a word.
 */
export interface UnfetchedFile {
  readonly id: string;
  readonly name?: string;
  readonly link?: string;
  readonly reason: string;
}

/** What the archive row says of each file of a message: archived (with its hash) or not fetched (with why). */
export type FileRecord =
  | {
      readonly id: string;
      readonly archived: true;
      /** What the provider calls it when it is not a file: `hostedContent` (Teams inline images). */
      readonly kind?: string;
      readonly name?: string;
      readonly sha256: string;
      readonly size: number;
      readonly ordinal: number;
    }
  | ({ readonly archived: false } & UnfetchedFile);

export interface FetchAttachmentRequest {
  readonly platform: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly filename?: string | undefined;
  /** The type the provider declared for the file; used when the response names none. */
  readonly contentType?: string | undefined;
  /** The size the provider declared: a body of another length is a broken transfer, retried. */
  readonly expectedSize?: number | undefined;
  /**
   * An HTML answer for a file that is not HTML is a sign-in page (Slack answers
   * an unauthorized `url_private_download` with 200 and its login page): refused
   * as an authorization failure, never archived as the file.
   */
  readonly refuseHtml?: boolean;
}

const baseType = (contentType: string) => contentType.split(';')[0]?.trim().toLowerCase() ?? '';

/**
 * GETs one attachment whole and hashes it, ready for the archive's write-once
 * path (ingest puts it under its content hash beside the raw record, in the
 * same item). Every failure fails the page, so the job is retried or
 * dead-lettered: an attachment is never silently left out of the record.
 */
export const fetchAttachment = (request: FetchAttachmentRequest) =>
  Effect.flatMap(fetchAttachmentUnlessRefused(request, []), (result) =>
    result._tag === 'fetched'
      ? Effect.succeed(result.attachment)
      : Effect.fail(new BadPayload({ subject: 'file', reason: result.reason, location: request.url })),
  );

export type FetchResult =
  | { readonly _tag: 'fetched'; readonly attachment: Attachment }
  | { readonly _tag: 'refused'; readonly status: number; readonly reason: string };

/**
 * Like `fetchAttachment`, except that the statuses in `refused` (a file the
 * provider documents as out of the app's reach: 403/404 on a shared link)
 * come back as `refused` with the reason, for the record to state, instead of
 * failing the page. Everything else fails as in `fetchAttachment`.
 */
export const fetchAttachmentUnlessRefused = (request: FetchAttachmentRequest, refused: readonly number[]) =>
  Effect.gen(function* () {
    const { platform, url } = request;
    const response = yield* Effect.tryPromise({
      try: (signal) => fetch(url, { headers: request.headers, redirect: 'follow', signal }),
      catch: (cause) => new Transient({ source: platform, detail: `downloading ${url}: ${String(cause)}` }),
    });
    const status = response.status;
    const discard = () => void response.body?.cancel().catch(() => undefined);
    if (refused.includes(status)) {
      discard();
      return {
        _tag: 'refused',
        status,
        reason: `the provider answered ${status} for the file: out of the app's reach, recorded as a link`,
      } satisfies FetchResult as FetchResult;
    }
    if (status === 429) {
      discard();
      return yield* new RateLimited({
        platform,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), 1000),
        detail: `downloading ${url}`,
      });
    }
    if (status === 401 || status === 403) {
      discard();
      return yield* new AuthExpired({ platform, detail: `download of ${url} refused (${status})` });
    }
    if (status >= 500) {
      discard();
      return yield* new Transient({ source: platform, status, detail: `downloading ${url}` });
    }
    if (status !== 200) {
      discard();
      return yield* new BadPayload({ subject: 'file', reason: `download answered ${status}`, location: url });
    }
    const answered = response.headers.get('content-type');
    const declared = request.contentType ?? 'application/octet-stream';
    if (
      request.refuseHtml &&
      answered !== null &&
      baseType(answered) === 'text/html' &&
      baseType(declared) !== 'text/html'
    ) {
      discard();
      return yield* new AuthExpired({
        platform,
        detail: `download of ${url} answered a sign-in page (text/html for a ${declared} file): token lacks files:read`,
      });
    }
    const content = new Uint8Array(
      yield* Effect.tryPromise({
        try: () => response.arrayBuffer(),
        catch: (cause) => new Transient({ source: platform, detail: `reading ${url}: ${String(cause)}` }),
      }),
    );
    if (request.expectedSize !== undefined && content.byteLength !== request.expectedSize)
      return yield* new Transient({
        source: platform,
        detail: `download of ${url} gave ${content.byteLength} bytes, the provider declared ${request.expectedSize}`,
      });
    const attachment: Attachment = {
      ...(request.filename ? { filename: request.filename } : {}),
      contentType: request.contentType ?? answered ?? 'application/octet-stream',
      size: content.byteLength,
      sha256: sha256Hex(content),
      content,
    };
    return { _tag: 'fetched', attachment } satisfies FetchResult as FetchResult;
  });
