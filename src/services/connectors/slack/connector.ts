import { Clock, Effect, Option, Schema } from 'effect';
import type { Connector, Page } from '../../pipeline/connector.js';
import { connectorTokens } from '../../pipeline/credentials.js';
import { badJob, type ConnectorError } from '../../pipeline/errors.js';
import type { ConnectorJob } from '../../pipeline/job.js';
import { makeSlackClient, type SlackClientOptions } from './client.js';
import { decodeSlackMessageEvent, SlackEventCallback } from './events.js';
import { attachPageFiles } from './files.js';
import { slackEventItems, slackHistoryItem } from './normalize.js';

/**
 * The reconciliation cursor of one channel: `oldest` is the newest ts already
 * reconciled; a round pages from the newest message down to it (Slack returns
 * newest first) and, once done, moves `oldest` to the newest ts it saw.
 */
const HistoryCursor = Schema.Struct({
  oldest: Schema.optionalKey(Schema.String),
  /** The round's upper bound, fixed when the round starts so its pages stay consistent. */
  latest: Schema.optionalKey(Schema.String),
  page: Schema.optionalKey(Schema.String),
  roundNewest: Schema.optionalKey(Schema.String),
  /** Threads (parent ts) of this round whose replies are still to fetch, first one in progress. */
  threads: Schema.optionalKey(Schema.Array(Schema.String)),
  /** The `conversations.replies` cursor within the first of `threads`. */
  threadPage: Schema.optionalKey(Schema.String),
  /** The history of the round is paged to its end; only threads are left. */
  historyDone: Schema.optionalKey(Schema.Boolean),
});
type HistoryCursor = typeof HistoryCursor.Type;
const decodeCursor = Schema.decodeUnknownOption(Schema.fromJsonString(HistoryCursor));

const maxTs = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined ? a : Number(a) >= Number(b) ? a : b;

const WEBHOOK_SCOPE = 'webhook';
const decodeWebhookEvent = Schema.decodeUnknownOption(
  Schema.Struct({ _tag: Schema.Literal('SlackEvent'), payload: SlackEventCallback }),
);

/**
 * Slack: pushed events arrive as `webhook` jobs from the webhook Lambda and
 * are stored as they are (original, edit and deletion versions); `poll` jobs
 * reconcile each channel in `params.channels` with `conversations.history`
 * from the channel's watermark — paced to the tier's limit and bounded by the
 * pipeline's pages per job, so polling only fills what push missed.
 */
export interface SlackConnectorOptions extends SlackClientOptions {
  readonly teamId?: string;
  /**
   * The poll only reconciles messages older than this: Slack retries a failed
   * event delivery for about an hour, so anything newer is still push's to
   * deliver, and polling it would spend the one-request-a-minute budget on
   * messages that are on their way. @default 3600
   */
  readonly settleSeconds?: number;
}

export const makeSlackConnector = (options: SlackConnectorOptions = {}) =>
  Effect.gen(function* () {
    const tokenFor = yield* connectorTokens('slack');
    const client = makeSlackClient(options);

    const scopes = (job: ConnectorJob) => {
      if (job.kind === 'webhook') return Effect.succeed([WEBHOOK_SCOPE]);
      const channels = job.params?.channels;
      return Array.isArray(channels) && channels.every((c) => typeof c === 'string')
        ? Effect.succeed(channels as string[])
        : Effect.fail(badJob(job, 'a Slack poll job needs params.channels (channel ids)'));
    };

    const webhookPage = (job: ConnectorJob): Effect.Effect<Page, ConnectorError> => {
      const event = decodeWebhookEvent(job.params?.event);
      if (Option.isNone(event)) return Effect.fail(badJob(job, 'webhook job without a Slack event'));
      const message = decodeSlackMessageEvent(event.value.payload.event);
      const raw = new TextEncoder().encode(JSON.stringify(event.value.payload.event));
      const items = Option.isSome(message) ? slackEventItems(event.value.payload.team_id, message.value, raw) : [];
      // A message that shares files is stored with their bytes: fetched here, with the bot token.
      return Effect.map(attachPageFiles(client, tokenFor(job), items), (withFiles) => ({
        items: withFiles,
        skipped: [],
        nextCursor: 'delivered',
        done: true,
      }));
    };

    const fetchPage = (job: ConnectorJob, scope: string, stored: Option.Option<string>) =>
      Effect.gen(function* () {
        if (job.kind === 'webhook') return yield* webhookPage(job);
        const cursor: HistoryCursor = Option.getOrElse(Option.flatMap(stored, decodeCursor), () => ({}));
        const token = yield* tokenFor(job);
        const now = yield* Clock.currentTimeMillis;
        const latest = cursor.latest ?? (now / 1000 - (options.settleSeconds ?? 3600)).toFixed(6);
        if (cursor.oldest !== undefined && Number(cursor.oldest) >= Number(latest))
          return {
            items: [],
            skipped: [],
            nextCursor: JSON.stringify({ oldest: cursor.oldest }),
            done: true,
          } satisfies Page;
        // The round is over: the watermark moves to the newest message it saw.
        const finished = (): HistoryCursor => {
          const oldest = maxTs(cursor.oldest, cursor.roundNewest);
          return oldest ? { oldest } : {};
        };
        // Thread replies first, one page a call: replies are not in the history, only their parents.
        const pending = cursor.threads ?? [];
        if (pending.length > 0) {
          const thread = pending[0] as string;
          const page = yield* client.replies({ token, channel: scope, ts: thread, cursor: cursor.threadPage });
          const envelope = { bytes: page.received.bytes, contentType: 'application/json' };
          const items = yield* attachPageFiles(
            client,
            Effect.succeed(token),
            page.messages.flatMap((m, i) =>
              // The parent opens every thread page set: it is stored from the history.
              m.ts === thread
                ? []
                : [slackHistoryItem(options.teamId, scope, m, page.items[i]?.bytes ?? new Uint8Array(), envelope)],
            ),
          );
          const threadPage = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
          const threads = threadPage ? pending : pending.slice(1);
          const { threads: _t, threadPage: _p, ...rest } = cursor;
          if (threads.length === 0 && cursor.historyDone)
            return { items, skipped: [], nextCursor: JSON.stringify(finished()), done: true } satisfies Page;
          const next: HistoryCursor =
            threads.length === 0
              ? (({ historyDone: _h, ...history }) => history)(rest)
              : { ...rest, threads, ...(threadPage ? { threadPage } : {}) };
          return { items, skipped: [], nextCursor: JSON.stringify(next), done: false } satisfies Page;
        }
        const page = yield* client.history({
          token,
          channel: scope,
          oldest: cursor.oldest,
          latest,
          cursor: cursor.page,
        });
        const envelope = { bytes: page.received.bytes, contentType: 'application/json' };
        const items = yield* attachPageFiles(
          client,
          Effect.succeed(token),
          page.messages.map((m, i) =>
            slackHistoryItem(options.teamId, scope, m, page.items[i]?.bytes ?? new Uint8Array(), envelope),
          ),
        );
        const roundNewest = page.messages.reduce<string | undefined>((acc, m) => maxTs(acc, m.ts), cursor.roundNewest);
        const nextPage = page.has_more ? page.response_metadata?.next_cursor || undefined : undefined;
        const threads = page.messages
          .filter((m) => (m.reply_count ?? 0) > 0 && (m.thread_ts === undefined || m.thread_ts === m.ts))
          .map((m) => m.ts);
        if (!nextPage && threads.length === 0) {
          const oldest = maxTs(cursor.oldest, roundNewest);
          return {
            items,
            skipped: [],
            nextCursor: JSON.stringify(oldest ? { oldest } : {}),
            done: true,
          } satisfies Page;
        }
        const next: HistoryCursor = {
          ...(cursor.oldest ? { oldest: cursor.oldest } : {}),
          // The round's upper bound stays fixed while it pages: a recomputed `latest` would drift.
          latest,
          ...(nextPage ? { page: nextPage } : {}),
          ...(roundNewest ? { roundNewest } : {}),
          ...(threads.length > 0 ? { threads } : {}),
          ...(nextPage ? {} : { historyDone: true }),
        };
        return { items, skipped: [], nextCursor: JSON.stringify(next), done: false } satisfies Page;
      });

    return { platform: 'slack', scopes, fetchPage } satisfies Connector;
  });
