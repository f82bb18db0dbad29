import { Effect, Schema } from 'effect';
import { AuthExpired, BadPayload, RateLimited, Transient } from '../../pipeline/errors.js';
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

export interface ZoomListRequest {
  readonly baseUrl: string;
  readonly token: string;
  readonly userId: string;
  /** yyyy-mm-dd, inclusive (Zoom allows at most a month per request). */
  readonly from: string;
  readonly to: string;
  readonly nextPageToken?: string | undefined;
}

/** One page of a user's cloud recordings in a date window. */
export const listRecordings = (request: ZoomListRequest) =>
  Effect.gen(function* () {
    const params = new URLSearchParams({ from: request.from, to: request.to, page_size: '300' });
    if (request.nextPageToken) params.set('next_page_token', request.nextPageToken);
    const url = `${request.baseUrl}/users/${encodeURIComponent(request.userId)}/recordings?${params}`;
    const response = yield* Effect.tryPromise({
      try: (signal) => fetch(url, { headers: { authorization: `Bearer ${request.token}` }, signal }),
      catch: (cause) => new Transient({ source: 'zoom', detail: `list recordings: ${String(cause)}` }),
    });
    const status = response.status;
    if (status === 429)
      return yield* new RateLimited({
        platform: 'zoom',
        retryAfterMs: retryAfterMs(response.headers.get('retry-after'), 1000),
        detail: 'recordings',
      });
    if (status === 401) return yield* new AuthExpired({ platform: 'zoom', detail: 'Zoom refused the token (401)' });
    if (status >= 500) return yield* new Transient({ source: 'zoom', status, detail: 'list recordings' });
    if (status !== 200)
      return yield* new BadPayload({ subject: 'response', reason: `recordings answered ${status}`, location: url });
    const body = yield* Effect.tryPromise({
      try: () => response.json() as Promise<unknown>,
      catch: () => new Transient({ source: 'zoom', status, detail: 'unreadable response body' }),
    });
    return yield* decodePage(body).pipe(
      Effect.mapError((e) => new BadPayload({ subject: 'response', reason: e.message, location: url })),
    );
  });
