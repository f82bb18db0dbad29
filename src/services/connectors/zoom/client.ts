import { Effect, Schema } from 'effect';
import { AuthExpired, BadPayload, RateLimited, Transient } from '../../pipeline/errors.js';
import { type ReceivedItem, type ReceivedJson, receivedItems, receivedJson } from '../raw-json.js';
import { retryAfterMs } from '../slack/client.js';
import { ZoomMeetingRecording } from './events.js';

/** `GET /users/{userId}/recordings` (https://developers.zoom.us/docs/api/cloud-recording/#tag/cloud-recording/GET/users/{userId}/recordings). */
export const ZoomRecordingsPage = Schema.Struct({
  from: Schema.optionalKey(Schema.String),
  to: Schema.optionalKey(Schema.String),
  page_size: Schema.optionalKey(Schema.Number),
  total_records: Schema.optionalKey(Schema.Number),
  next_page_token: Schema.optionalKey(Schema.String),
  meetings: Schema.Array(ZoomMeetingRecording),
});
export type ZoomRecordingsPage = typeof ZoomRecordingsPage.Type;
const decodePage = Schema.decodeUnknownEffect(ZoomRecordingsPage);
const decodeMeeting = Schema.decodeUnknownEffect(ZoomMeetingRecording);

export interface ZoomListRequest {
  readonly baseUrl: string;
  readonly token: string;
  readonly userId: string;
  /** yyyy-mm-dd, inclusive (Zoom allows at most a month per request). */
  readonly from: string;
  readonly to: string;
  readonly nextPageToken?: string | undefined;
}

/** A decoded page with what was received: the page's bytes and each meeting's bytes, verbatim. */
export interface ZoomReceivedPage {
  readonly page: ZoomRecordingsPage;
  readonly received: ReceivedJson;
  readonly meetings: readonly ReceivedItem[];
}

/** One GET against the Zoom API, failures mapped onto the pipeline's errors; the body as received. */
const zoomGet = (url: string, token: string, what: string) =>
  Effect.gen(function* () {
    const response = yield* Effect.tryPromise({
      try: (signal) => fetch(url, { headers: { authorization: `Bearer ${token}` }, signal }),
      catch: (cause) => new Transient({ source: 'zoom', detail: `${what}: ${String(cause)}` }),
    });
    const status = response.status;
    if (status === 429)
      return yield* new RateLimited({
        platform: 'zoom',
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), 1000),
        detail: what,
      });
    if (status === 401) return yield* new AuthExpired({ platform: 'zoom', detail: 'Zoom refused the token (401)' });
    if (status >= 500) return yield* new Transient({ source: 'zoom', status, detail: what });
    if (status !== 200)
      return yield* new BadPayload({ subject: 'response', reason: `${what} answered ${status}`, location: url });
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: () => new Transient({ source: 'zoom', status, detail: 'unreadable response body' }),
    });
    return yield* Effect.try({
      try: () => receivedJson(text),
      catch: () => new BadPayload({ subject: 'response', reason: `${what}: not JSON`, location: url }),
    });
  });

/** One page of a user's cloud recordings in a date window. */
export const listRecordings = (request: ZoomListRequest) =>
  Effect.gen(function* () {
    const params = new URLSearchParams({ from: request.from, to: request.to, page_size: '300' });
    if (request.nextPageToken) params.set('next_page_token', request.nextPageToken);
    const url = `${request.baseUrl}/users/${encodeURIComponent(request.userId)}/recordings?${params}`;
    const received = yield* zoomGet(url, request.token, 'list recordings');
    const page = yield* decodePage(received.value).pipe(
      Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: url })),
    );
    return { page, received, meetings: receivedItems(received, ['meetings']) } satisfies ZoomReceivedPage;
  });

/**
 * A meeting UUID as a path segment: Zoom asks for it to be encoded twice when
 * it starts with `/` or contains `//` (Get meeting recordings, `meetingId`).
 */
export const meetingPathSegment = (uuid: string): string =>
  uuid.startsWith('/') || uuid.includes('//') ? encodeURIComponent(encodeURIComponent(uuid)) : encodeURIComponent(uuid);

/**
 * `GET /meetings/{meetingId}/recordings`: one meeting instance's files with
 * their `download_url` (https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording/GET/meetings/{meetingId}/recordings).
 */
export const getMeetingRecordings = (baseUrl: string, token: string, uuid: string) =>
  Effect.gen(function* () {
    const url = `${baseUrl}/meetings/${meetingPathSegment(uuid)}/recordings`;
    const received = yield* zoomGet(url, token, 'get meeting recordings');
    const meeting = yield* decodeMeeting(received.value).pipe(
      Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: url })),
    );
    return { meeting, received };
  });
