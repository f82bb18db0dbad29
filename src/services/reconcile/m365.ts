import { Effect, Schema } from 'effect';
import { FolderList, listMailFolders } from '../connectors/m365/folders.js';
import { everyPage } from './every-page.js';
import { getListing, listingPage } from './listing-http.js';
import { countedDays, type ProviderListing, utcDay } from './reconcile.js';

export const M365ReconcileSource = Schema.Struct({
  platform: Schema.Literal('m365'),
  connectorId: Schema.String,
  tokenEnv: Schema.String,
  /** The mailbox (user id or principal name). */
  mailbox: Schema.String,
  /** The mail folder ids the connector syncs. @default every folder of the mailbox, as the connector's */
  folders: Schema.optionalKey(Schema.Array(Schema.String)),
  baseUrl: Schema.optionalKey(Schema.String),
});
export type M365ReconcileSource = typeof M365ReconcileSource.Type;

const DeltaPage = Schema.Struct({
  value: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      receivedDateTime: Schema.optionalKey(Schema.String),
      '@removed': Schema.optionalKey(Schema.Unknown),
    }),
  ),
  '@odata.nextLink': Schema.optionalKey(Schema.String),
  '@odata.deltaLink': Schema.optionalKey(Schema.String),
});
const decodePage = listingPage(Schema.decodeUnknownEffect(DeltaPage));
const decodeFolders = listingPage(Schema.decodeUnknownEffect(FolderList));

/**
 * Microsoft 365 mail counts per day: a fresh `messages/delta` round of each
 * folder (every page to the deltaLink; `@removed` entries are not messages),
 * counted by `receivedDateTime` in [since, until]. Graph ids are not what the
 * archive keys on (the MIME Message-ID), so the comparison is by count.
 * https://learn.microsoft.com/graph/api/message-delta
 */
export const m365Listing: ProviderListing<M365ReconcileSource> = (source, token, since, until) =>
  Effect.gen(function* () {
    const counts = new Map<string, number>();
    const graph = `${source.baseUrl ?? 'https://graph.microsoft.com'}/v1.0`;
    const mailbox = encodeURIComponent(source.mailbox);
    const user = `${graph}/users/${mailbox}`;
    const folders =
      source.folders ??
      (yield* listMailFolders(graph, mailbox, (url) =>
        getListing('m365', url, `Bearer ${token}`).pipe(Effect.flatMap(decodeFolders(url))),
      ));
    for (const folder of folders) {
      const messages = yield* everyPage(`${user}/mailFolders/${encodeURIComponent(folder)}/messages/delta`, (url) =>
        getListing('m365', url, `Bearer ${token}`, { prefer: 'odata.maxpagesize=200' }).pipe(
          Effect.flatMap(decodePage(url)),
          Effect.map((page) => ({ items: page.value, next: page['@odata.nextLink'] })),
        ),
      );
      for (const m of messages) {
        if (m['@removed'] !== undefined || !m.receivedDateTime) continue;
        const at = new Date(m.receivedDateTime);
        if (at >= since && at <= until) counts.set(utcDay(at), (counts.get(utcDay(at)) ?? 0) + 1);
      }
    }
    return countedDays('m365', source.connectorId, counts);
  });
