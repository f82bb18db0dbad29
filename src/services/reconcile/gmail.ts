import { Effect, Schema } from 'effect';
import { everyPage } from './every-page.js';
import { getListing, listingPage } from './listing-http.js';
import { countedDays, type ProviderListing, utcDaysBetween } from './reconcile.js';

export const GmailReconcileSource = Schema.Struct({
  platform: Schema.Literal('gmail'),
  connectorId: Schema.String,
  tokenEnv: Schema.String,
  /** The mailbox (`me` for the token's own). @default me */
  userId: Schema.optionalKey(Schema.String),
  baseUrl: Schema.optionalKey(Schema.String),
});
export type GmailReconcileSource = typeof GmailReconcileSource.Type;

const MessagesPage = Schema.Struct({
  messages: Schema.optionalKey(Schema.Array(Schema.Struct({ id: Schema.String }))),
  nextPageToken: Schema.optionalKey(Schema.String),
});
const decodePage = listingPage(Schema.decodeUnknownEffect(MessagesPage));

/**
 * Gmail counts per day: `users.messages.list` with `q=after:<s> before:<s>`
 * (seconds since the epoch, the filtering guide's precise form) and
 * `includeSpamTrash=true` (the connector archives spam and trash too), every
 * page counted. The listing gives Gmail ids, which the archive does not key on
 * (it keys on the RFC 822 Message-ID), so the comparison is by count.
 * https://developers.google.com/gmail/api/reference/rest/v1/users.messages/list
 * https://developers.google.com/gmail/api/guides/filtering
 */
export const gmailListing: ProviderListing<GmailReconcileSource> = (source, token, since, until) =>
  Effect.gen(function* () {
    const base = `${source.baseUrl ?? 'https://gmail.googleapis.com'}/gmail/v1/users/${encodeURIComponent(source.userId ?? 'me')}/messages`;
    const counts = new Map<string, number>();
    for (const { day, start, end } of utcDaysBetween(since, until)) {
      const messages = yield* everyPage(undefined, (pageToken) => {
        const params = new URLSearchParams({
          q: `after:${Math.floor(start.getTime() / 1000)} before:${Math.floor(end.getTime() / 1000)}`,
          includeSpamTrash: 'true',
          maxResults: '500',
        });
        if (pageToken) params.set('pageToken', pageToken);
        const url = `${base}?${params}`;
        return getListing('gmail', url, `Bearer ${token}`).pipe(
          Effect.flatMap(decodePage(url)),
          Effect.map((page) => ({ items: page.messages ?? [], next: page.nextPageToken })),
        );
      });
      if (messages.length > 0) counts.set(day, messages.length);
    }
    return countedDays('gmail', source.connectorId, counts);
  });
