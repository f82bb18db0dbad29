import type { Communication, RawItem } from '../../pipeline/communication.js';
import type { SlackMessage, SlackMessageEvent } from './events.js';

/**
 * Slack messages as communications. An archive never overwrites: the original
 * message, each edit and the deletion are separate versions, each its own row
 * with its own idempotency key, linked by `metadata.versionOf` and sharing the
 * thread id. The same version reached by push and by poll has the same key, so
 * it is stored once.
 */
export const slackMessageKey = (channel: string, ts: string): string => `${channel}:${ts}`;

const slackTime = (ts: string): Date => new Date(Math.round(Number(ts) * 1000));

const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

export type SlackVersionKind = 'original' | 'edit' | 'deletion';

interface VersionInput {
  readonly teamId: string | undefined;
  readonly channel: string;
  readonly message: SlackMessage;
  readonly kind: SlackVersionKind;
  /** When this version came to be: the post, the edit or the deletion. */
  readonly at: string;
  /** Who edited or deleted, when Slack says. */
  readonly actor?: string | undefined;
  readonly raw: unknown;
}

const version = (input: VersionInput): RawItem => {
  const { channel, message, kind, at } = input;
  const originalKey = slackMessageKey(channel, message.ts);
  const externalId = kind === 'original' ? originalKey : `${originalKey}#${kind === 'edit' ? 'edit' : 'delete'}:${at}`;
  const communication: Communication = {
    channel: 'chat',
    externalId,
    threadId: slackMessageKey(channel, message.thread_ts ?? message.ts),
    sentAt: slackTime(at),
    bodyText: kind === 'deletion' ? '' : (message.text ?? ''),
    participants: [
      ...((message.user ?? message.bot_id)
        ? [{ role: 'sender' as const, address: message.user ?? message.bot_id ?? '' }]
        : []),
      ...(input.actor && input.actor !== message.user ? [{ role: 'member' as const, address: input.actor }] : []),
    ],
    attachments: [],
    recordings: [],
    metadata: {
      platform: 'slack',
      ...(input.teamId ? { teamId: input.teamId } : {}),
      channel,
      ts: message.ts,
      ...(message.thread_ts ? { threadTs: message.thread_ts } : {}),
      version: kind,
      ...(kind === 'original' ? {} : { versionOf: originalKey }),
      ...(input.actor ? { actor: input.actor } : {}),
      ...(message.files ? { files: message.files } : {}),
    },
  };
  return { sourceId: externalId, raw: encode(input.raw), contentType: 'application/json', communication };
};

/**
 * A message as `conversations.history` returns it (or a plain `message`
 * event): the original, or, when Slack marks it edited, the edit version —
 * the history only shows the current text, so that is what it can vouch for.
 */
export const slackHistoryItem = (teamId: string | undefined, channel: string, message: SlackMessage): RawItem =>
  message.edited
    ? version({
        teamId,
        channel,
        message,
        kind: 'edit',
        at: message.edited.ts,
        actor: message.edited.user,
        raw: message,
      })
    : version({ teamId, channel, message, kind: 'original', at: message.ts, raw: message });

/** Subtypes that are not messages of a person (joins, topic changes...) are still kept, as Slack sent them. */
export const slackEventItems = (teamId: string | undefined, event: SlackMessageEvent): RawItem[] => {
  switch (event.subtype) {
    case 'message_changed': {
      if (!event.message) return [];
      const at = event.message.edited?.ts ?? event.ts;
      return [
        version({
          teamId,
          channel: event.channel,
          message: event.message,
          kind: 'edit',
          at,
          actor: event.message.edited?.user,
          raw: event,
        }),
      ];
    }
    case 'message_deleted': {
      const original = event.previous_message ?? { type: 'message' as const, ts: event.deleted_ts ?? event.ts };
      return [
        version({ teamId, channel: event.channel, message: original, kind: 'deletion', at: event.ts, raw: event }),
      ];
    }
    default:
      return [version({ teamId, channel: event.channel, message: event, kind: 'original', at: event.ts, raw: event })];
  }
};
