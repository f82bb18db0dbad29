import { Effect, Schema } from 'effect';
import { listRecordings } from '../connectors/zoom/client.js';
import { everyPage } from './every-page.js';
import { type ProviderListing, providerDays, utcDay } from './reconcile.js';

export const ZoomReconcileSource = Schema.Struct({
  platform: Schema.Literal('zoom'),
  connectorId: Schema.String,
  tokenEnv: Schema.String,
  /** The Zoom users whose cloud recordings the connector archives. @default ['me'] */
  users: Schema.optionalKey(Schema.Array(Schema.String)),
  baseUrl: Schema.optionalKey(Schema.String),
});
export type ZoomReconcileSource = typeof ZoomReconcileSource.Type;

/** Zoom answers at most a month per recordings request (`from`/`to`). */
const WINDOW_DAYS = 30;

/**
 * Zoom ids per day: `GET /users/{userId}/recordings` in windows of at most a
 * month, every page; each meeting instance's `uuid` (what the archive keys a
 * meeting on) on the day of its `start_time`.
 * https://developers.zoom.us/docs/api/cloud-recording/#tag/cloud-recording/GET/users/{userId}/recordings
 */
export const zoomListing: ProviderListing<ZoomReconcileSource> = (source, token, since, until) =>
  Effect.gen(function* () {
    const baseUrl = source.baseUrl ?? 'https://api.zoom.us/v2';
    const entries: { id: string; at: Date }[] = [];
    for (const userId of source.users ?? ['me']) {
      for (let from = since.getTime(); from <= until.getTime(); from += WINDOW_DAYS * 86_400_000) {
        const to = Math.min(from + (WINDOW_DAYS - 1) * 86_400_000, until.getTime());
        const meetings = yield* everyPage(undefined, (nextPageToken) =>
          listRecordings({
            baseUrl,
            token,
            userId,
            from: utcDay(new Date(from)),
            to: utcDay(new Date(to)),
            nextPageToken,
          }).pipe(Effect.map(({ page }) => ({ items: page.meetings, next: page.next_page_token }))),
        );
        for (const m of meetings) {
          const at = new Date(m.start_time);
          if (at >= since && at <= until) entries.push({ id: m.uuid, at });
        }
      }
    }
    return providerDays('zoom', source.connectorId, entries);
  });
