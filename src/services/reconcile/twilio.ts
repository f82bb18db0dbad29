import { Effect, Schema } from 'effect';
import type { ConnectorError } from '../pipeline/errors.js';
import { everyPage } from './every-page.js';
import { getListing, listingPage } from './listing-http.js';
import { type ProviderListing, providerDays, utcDay } from './reconcile.js';

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
export const twilioListing: ProviderListing<TwilioReconcileSource> = (source, authToken, since, until) =>
  Effect.gen(function* () {
    const origin = source.baseUrl ?? 'https://api.twilio.com';
    const authorization = `Basic ${Buffer.from(`${source.accountSid}:${authToken}`).toString('base64')}`;
    const account = `/2010-04-01/Accounts/${encodeURIComponent(source.accountSid)}`;
    const inWindow = (at: Date | undefined): at is Date => at !== undefined && at >= since && at <= until;
    /** Every item of one list resource, from its first URI through `next_page_uri`. */
    const everyItem = <T extends { readonly next_page_uri?: string | null }, A>(
      first: string,
      decode: (url: string) => (json: unknown) => Effect.Effect<T, ConnectorError>,
      itemsOf: (page: T) => ReadonlyArray<A>,
    ) =>
      everyPage(first, (uri) => {
        const url = `${origin}${uri}`;
        return getListing('twilio', url, authorization).pipe(
          Effect.flatMap(decode(url)),
          Effect.map((page) => ({ items: itemsOf(page), next: page.next_page_uri })),
        );
      });
    const messages = yield* everyItem(
      `${account}/Messages.json?${new URLSearchParams({ 'DateSent>': utcDay(since), PageSize: '1000' })}`,
      decodeMessages,
      (page) => page.messages,
    );
    const recordings = yield* everyItem(
      `${account}/Recordings.json?${new URLSearchParams({ 'DateCreated>': utcDay(since), PageSize: '1000' })}`,
      decodeRecordings,
      (page) => page.recordings,
    );
    const dated = (at: string | null) => (at ? new Date(at) : undefined);
    const entries = [
      ...messages.filter((m) => m.direction === 'inbound').map((m) => ({ id: m.sid, at: dated(m.date_sent) })),
      ...recordings.map((r) => ({ id: r.sid, at: dated(r.start_time) })),
    ].flatMap((e) => (inWindow(e.at) ? [{ id: e.id, at: e.at }] : []));
    return providerDays('twilio', source.connectorId, entries);
  });
