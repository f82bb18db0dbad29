import { Effect, Schema } from 'effect';
import { makeSlackClient } from '../connectors/slack/client.js';
import { firstPageUrl, getMessagesPage } from '../connectors/teams/client.js';
import { conversationOf } from '../connectors/teams/messages.js';
import type { ConnectorError } from '../pipeline/errors.js';
import { GmailReconcileSource, gmailListing } from './gmail.js';
import { M365ReconcileSource, m365Listing } from './m365.js';
import { type ProviderDay, providerDays } from './reconcile.js';
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

const slackListing = (
  source: Extract<ReconcileSource, { platform: 'slack' }>,
  token: string,
  since: Date,
  until: Date,
) =>
  Effect.gen(function* () {
    const client = makeSlackClient({
      ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
      ...(source.minRequestIntervalMs === undefined ? {} : { minRequestIntervalMs: source.minRequestIntervalMs }),
    });
    const entries: { id: string; at: Date }[] = [];
    const at = (ts: string) => new Date(Math.round(Number(ts) * 1000));
    for (const channel of source.channels) {
      let cursor: string | undefined;
      do {
        const page = yield* client.history({
          token,
          channel,
          oldest: (since.getTime() / 1000).toFixed(6),
          latest: (until.getTime() / 1000).toFixed(6),
          cursor,
        });
        for (const m of page.messages) {
          entries.push({ id: `${channel}:${m.ts}`, at: at(m.ts) });
          if ((m.reply_count ?? 0) === 0) continue;
          let threadCursor: string | undefined;
          do {
            const thread = yield* client.replies({ token, channel, ts: m.ts, cursor: threadCursor });
            for (const r of thread.messages)
              if (r.ts !== m.ts && at(r.ts) >= since && at(r.ts) <= until)
                entries.push({ id: `${channel}:${r.ts}`, at: at(r.ts) });
            threadCursor = thread.has_more ? thread.response_metadata?.next_cursor || undefined : undefined;
          } while (threadCursor);
        }
        cursor = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
      } while (cursor);
    }
    return providerDays('slack', source.connectorId, entries);
  });

const teamsListing = (
  source: Extract<ReconcileSource, { platform: 'teams' }>,
  token: string,
  since: Date,
  until: Date,
) =>
  Effect.gen(function* () {
    const entries: { id: string; at: Date }[] = [];
    const sources = [
      ...(source.users ?? []).map((userId) => ({ kind: 'user-chats' as const, userId })),
      ...(source.teams ?? []).map((teamId) => ({ kind: 'team-channels' as const, teamId })),
    ];
    for (const exported of sources) {
      let url: string | undefined = firstPageUrl(
        source.baseUrl ? { baseUrl: source.baseUrl } : {},
        exported,
        since.toISOString(),
      );
      while (url) {
        const { page }: Awaited<Effect.Success<ReturnType<typeof getMessagesPage>>> = yield* getMessagesPage(
          url,
          token,
        );
        for (const m of page.value) {
          const created = new Date(m.createdDateTime);
          if (created >= since && created <= until) entries.push({ id: `${conversationOf(m)}:${m.id}`, at: created });
        }
        url = page['@odata.nextLink'];
      }
    }
    return providerDays('teams', source.connectorId, entries);
  });

/** The provider's listing of one configured connector over [since, until]. */
export const listProvider = (
  source: ReconcileSource,
  token: string,
  since: Date,
  until: Date,
): Effect.Effect<ProviderDay[], ConnectorError> => {
  switch (source.platform) {
    case 'slack':
      return slackListing(source, token, since, until);
    case 'teams':
      return teamsListing(source, token, since, until);
    case 'gmail':
      return gmailListing(source, token, since, until);
    case 'm365':
      return m365Listing(source, token, since, until);
    case 'zoom':
      return zoomListing(source, token, since, until);
    case 'twilio':
      return twilioListing(source, token, since, until);
  }
};
