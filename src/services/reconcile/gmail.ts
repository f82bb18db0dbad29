import { Effect, Schema } from 'effect';
import type { ConnectorError } from '../pipeline/errors.js';
import { getListing, listingPage } from './listing-http.js';
import { countedDays, type ProviderDay, utcDaysBetween } from './reconcile.js';

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
export const gmailListing = (
  source: GmailReconcileSource,
  token: string,
  since: Date,
  until: Date,
): Effect.Effect<ProviderDay[], ConnectorError> =>
  Effect.gen(function* () {
    const base = `${source.baseUrl ?? 'https://gmail.googleapis.com'}/gmail/v1/users/${encodeURIComponent(source.userId ?? 'me')}/messages`;
    const counts = new Map<string, number>();
    for (const { day, start, end } of utcDaysBetween(since, until)) {
      let count = 0;
      let pageToken: string | undefined;
      do {
        const params = new URLSearchParams({
          q: `after:${Math.floor(start.getTime() / 1000)} before:${Math.floor(end.getTime() / 1000)}`,
          includeSpamTrash: 'true',
          maxResults: '500',
        });
        if (pageToken) params.set('pageToken', pageToken);
        const url = `${base}?${params}`;
        const page = yield* getListing('gmail', url, `Bearer ${token}`).pipe(Effect.flatMap(decodePage(url)));
        count += page.messages?.length ?? 0;
        pageToken = page.nextPageToken;
      } while (pageToken);
      if (count > 0) counts.set(day, count);
    }
    return countedDays('gmail', source.connectorId, counts);
  });
