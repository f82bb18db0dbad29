import { Clock, Effect, Option, Schema } from 'effect';
import type { Connector, Page } from '../../pipeline/connector.js';
import { ConnectorCredentials } from '../../pipeline/credentials.js';
import { BadPayload, type ConnectorError } from '../../pipeline/errors.js';
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
    const credentials = yield* ConnectorCredentials;
    const client = makeSlackClient(options);

    const scopes = (job: ConnectorJob) => {
      if (job.kind === 'webhook') return Effect.succeed([WEBHOOK_SCOPE]);
      const channels = job.params?.channels;
      return Array.isArray(channels) && channels.every((c) => typeof c === 'string')
        ? Effect.succeed(channels as string[])
        : Effect.fail(
            new BadPayload({
              subject: 'job',
              reason: 'a Slack poll job needs params.channels (channel ids)',
              location: job.jobId,
            }),
          );
    };

    const tokenFor = (job: ConnectorJob) =>
      credentials.accessToken({ customerId: job.customerId, connectorId: job.connectorId, platform: 'slack' });

    const webhookPage = (job: ConnectorJob): Effect.Effect<Page, ConnectorError> => {
      const event = decodeWebhookEvent(job.params?.event);
      if (Option.isNone(event))
        return Effect.fail(
          new BadPayload({ subject: 'job', reason: 'webhook job without a Slack event', location: job.jobId }),
        );
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
        const nextPage = page.has_more ? page.response_metadata?.next_cursor : undefined;
        const next: HistoryCursor = nextPage
          ? {
              ...(cursor.oldest ? { oldest: cursor.oldest } : {}),
              // The round's upper bound stays fixed while it pages: a recomputed `latest` would drift.
              latest,
              page: nextPage,
              ...(roundNewest ? { roundNewest } : {}),
            }
          : { ...(maxTs(cursor.oldest, roundNewest) ? { oldest: maxTs(cursor.oldest, roundNewest) as string } : {}) };
        return { items, skipped: [], nextCursor: JSON.stringify(next), done: !nextPage } satisfies Page;
      });

    return { platform: 'slack', scopes, fetchPage } satisfies Connector;
  });
