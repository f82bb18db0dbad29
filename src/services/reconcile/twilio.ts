import { Effect, Schema } from 'effect';
import type { ConnectorError } from '../pipeline/errors.js';
import { getListing, listingPage } from './listing-http.js';
import { type ProviderDay, providerDays, utcDay } from './reconcile.js';

export const TwilioReconcileSource = Schema.Struct({
  platform: Schema.Literal('twilio'),
  connectorId: Schema.String,
  /** The environment variable holding the auth token. */
  tokenEnv: Schema.String,
  accountSid: Schema.String,
  baseUrl: Schema.optionalKey(Schema.String),
});
export type TwilioReconcileSource = typeof TwilioReconcileSource.Type;

const MessagesPage = Schema.Struct({
  messages: Schema.Array(
    Schema.Struct({ sid: Schema.String, direction: Schema.String, date_sent: Schema.NullOr(Schema.String) }),
  ),
  next_page_uri: Schema.optionalKey(Schema.NullOr(Schema.String)),
});
const RecordingsPage = Schema.Struct({
  recordings: Schema.Array(Schema.Struct({ sid: Schema.String, start_time: Schema.NullOr(Schema.String) })),
  next_page_uri: Schema.optionalKey(Schema.NullOr(Schema.String)),
});
const decodeMessages = listingPage(Schema.decodeUnknownEffect(MessagesPage));
const decodeRecordings = listingPage(Schema.decodeUnknownEffect(RecordingsPage));

/**
 * Twilio ids per day: the inbound messages (`Messages.json` filtered
 * `DateSent>=`; the connector receives inbound SMS/MMS by webhook, keyed on the
 * MessageSid) and the recordings (`Recordings.json` filtered `DateCreated>=`,
 * keyed on the RecordingSid), every page through `next_page_uri`; HTTP basic
 * auth with the account SID and auth token.
 * https://www.twilio.com/docs/messaging/api/message-resource#read-multiple-message-resources
 * https://www.twilio.com/docs/voice/api/recording#read-multiple-recording-resources
 */
export const twilioListing = (
  source: TwilioReconcileSource,
  authToken: string,
  since: Date,
  until: Date,
): Effect.Effect<ProviderDay[], ConnectorError> =>
  Effect.gen(function* () {
    const origin = source.baseUrl ?? 'https://api.twilio.com';
    const authorization = `Basic ${Buffer.from(`${source.accountSid}:${authToken}`).toString('base64')}`;
    const account = `/2010-04-01/Accounts/${encodeURIComponent(source.accountSid)}`;
    const entries: { id: string; at: Date }[] = [];
    const inWindow = (at: Date) => at >= since && at <= until;
    let next: string | null | undefined =
      `${account}/Messages.json?${new URLSearchParams({ 'DateSent>': utcDay(since), PageSize: '1000' })}`;
    while (next) {
      const url: string = `${origin}${next}`;
      const page: typeof MessagesPage.Type = yield* getListing('twilio', url, authorization).pipe(
        Effect.flatMap(decodeMessages(url)),
      );
      for (const m of page.messages) {
        const at = m.date_sent ? new Date(m.date_sent) : undefined;
        if (m.direction === 'inbound' && at && inWindow(at)) entries.push({ id: m.sid, at });
      }
      next = page.next_page_uri;
    }
    next = `${account}/Recordings.json?${new URLSearchParams({ 'DateCreated>': utcDay(since), PageSize: '1000' })}`;
    while (next) {
      const url: string = `${origin}${next}`;
      const page: typeof RecordingsPage.Type = yield* getListing('twilio', url, authorization).pipe(
        Effect.flatMap(decodeRecordings(url)),
      );
      for (const r of page.recordings) {
        const at = r.start_time ? new Date(r.start_time) : undefined;
        if (at && inWindow(at)) entries.push({ id: r.sid, at });
      }
      next = page.next_page_uri;
    }
    return providerDays('twilio', source.connectorId, entries);
  });
