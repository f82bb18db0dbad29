import { Effect, Schema } from 'effect';
import { makeSlackClient } from '../connectors/slack/client.js';
import { firstPageUrl, getMessagesPage } from '../connectors/teams/client.js';
import { conversationOf } from '../connectors/teams/messages.js';
import { everyPage } from './every-page.js';
import { GmailReconcileSource, gmailListing } from './gmail.js';
import { M365ReconcileSource, m365Listing } from './m365.js';
import { type ProviderListing, providerDays } from './reconcile.js';
import { TwilioReconcileSource, twilioListing } from './twilio.js';
import { ZoomReconcileSource, zoomListing } from './zoom.js';

/**
 * What each provider lists for a period, per connector and day, with the ids
 * the archive keys its messages on. Slack lists every message of a channel
 * (`conversations.history`, then `conversations.replies` for each thread);
 * Teams lists every chat and channel message changed in the period (the
 * users' and teams' `getAllMessages`, filtered `lastModifiedDateTime gt`), of
 * which those created in it count.
 * Zoom (recording uuids) and Twilio (MessageSid, RecordingSid) list ids too;
 * Gmail and Microsoft 365 mail list ids the archive does not key on, so they
 * are compared by count (their files: gmail.ts, m365.ts, zoom.ts, twilio.ts).
 */
export const ReconcileSource = Schema.Union([
  Schema.Struct({
    platform: Schema.Literal('slack'),
    connectorId: Schema.String,
    /** The environment variable holding the bot token (never the token itself in the file). */
    tokenEnv: Schema.String,
    channels: Schema.Array(Schema.String),
    baseUrl: Schema.optionalKey(Schema.String),
    /** Least time between two Slack requests (the non-Marketplace tier allows one a minute). @default 60000 */
    minRequestIntervalMs: Schema.optionalKey(Schema.Number),
  }),
  Schema.Struct({
    platform: Schema.Literal('teams'),
    connectorId: Schema.String,
    tokenEnv: Schema.String,
    /** The users whose chats the connector exports. */
    users: Schema.optionalKey(Schema.Array(Schema.String)),
    /** The teams whose channel messages the connector exports. */
    teams: Schema.optionalKey(Schema.Array(Schema.String)),
    baseUrl: Schema.optionalKey(Schema.String),
  }).check(Schema.makeFilter((s) => (s.users?.length ?? 0) + (s.teams?.length ?? 0) > 0 || 'needs users and/or teams')),
  GmailReconcileSource,
  M365ReconcileSource,
  ZoomReconcileSource,
  TwilioReconcileSource,
]);
export type ReconcileSource = typeof ReconcileSource.Type;

export const ReconcileSources = Schema.Struct({ connectors: Schema.Array(ReconcileSource) });

/** Slack's next cursor: only while `has_more` (an empty `next_cursor` ends the list too). */
const slackNext = (page: {
  readonly has_more?: boolean;
  readonly response_metadata?: { readonly next_cursor?: string };
}) => (page.has_more ? page.response_metadata?.next_cursor : undefined);

const slackListing: ProviderListing<Extract<ReconcileSource, { platform: 'slack' }>> = (source, token, since, until) =>
  Effect.gen(function* () {
    const client = makeSlackClient({
      ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
      ...(source.minRequestIntervalMs === undefined ? {} : { minRequestIntervalMs: source.minRequestIntervalMs }),
    });
    const entries: { id: string; at: Date }[] = [];
    const at = (ts: string) => new Date(Math.round(Number(ts) * 1000));
    for (const channel of source.channels) {
      // Each history page with the replies of its threads, before the next page.
      const listed = yield* everyPage(undefined, (cursor) =>
        Effect.gen(function* () {
          const page = yield* client.history({
            token,
            channel,
            oldest: (since.getTime() / 1000).toFixed(6),
            latest: (until.getTime() / 1000).toFixed(6),
            cursor,
          });
          const items: { id: string; at: Date }[] = [];
          for (const m of page.messages) {
            items.push({ id: `${channel}:${m.ts}`, at: at(m.ts) });
            if ((m.reply_count ?? 0) === 0) continue;
            const replies = yield* everyPage(undefined, (threadCursor) =>
              client
                .replies({ token, channel, ts: m.ts, cursor: threadCursor })
                .pipe(Effect.map((thread) => ({ items: thread.messages, next: slackNext(thread) }))),
            );
            for (const r of replies)
              if (r.ts !== m.ts && at(r.ts) >= since && at(r.ts) <= until)
                items.push({ id: `${channel}:${r.ts}`, at: at(r.ts) });
          }
          return { items, next: slackNext(page) };
        }),
      );
      entries.push(...listed);
    }
    return providerDays('slack', source.connectorId, entries);
  });

const teamsListing: ProviderListing<Extract<ReconcileSource, { platform: 'teams' }>> = (source, token, since, until) =>
  Effect.gen(function* () {
    const entries: { id: string; at: Date }[] = [];
    const sources = [
      ...(source.users ?? []).map((userId) => ({ kind: 'user-chats' as const, userId })),
      ...(source.teams ?? []).map((teamId) => ({ kind: 'team-channels' as const, teamId })),
    ];
    for (const exported of sources) {
      const messages = yield* everyPage(
        firstPageUrl(source.baseUrl ? { baseUrl: source.baseUrl } : {}, exported, since.toISOString()),
        (url) =>
          getMessagesPage(url, token).pipe(
            Effect.map(({ page }) => ({ items: page.value, next: page['@odata.nextLink'] })),
          ),
      );
      for (const m of messages) {
        const created = new Date(m.createdDateTime);
        if (created >= since && created <= until) entries.push({ id: `${conversationOf(m)}:${m.id}`, at: created });
      }
    }
    return providerDays('teams', source.connectorId, entries);
  });

type Platform = ReconcileSource['platform'];
type SourceOf<P extends Platform> = Extract<ReconcileSource, { platform: P }>;

/** Each platform's lister (a platform without one does not type-check). */
const listers: { readonly [P in Platform]: ProviderListing<SourceOf<P>> } = {
  slack: slackListing,
  teams: teamsListing,
  gmail: gmailListing,
  m365: m365Listing,
  zoom: zoomListing,
  twilio: twilioListing,
};

/** The lister of a source's platform (TypeScript cannot tie `source.platform` to `P` by itself). */
const listerOf = <P extends Platform>(source: SourceOf<P>): ProviderListing<SourceOf<P>> =>
  listers[source.platform as P];

/** The provider's listing of one configured connector over [since, until]. */
export const listProvider: ProviderListing<ReconcileSource> = (source, token, since, until) =>
  listerOf(source)(source, token, since, until);
