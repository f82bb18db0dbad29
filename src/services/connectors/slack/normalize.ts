import type { Communication, RawItem } from '../../pipeline/communication.js';
import { eachJsonObject } from '../json-tree.js';
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
  /** The bytes as Slack sent them (the history item, or the event). */
  readonly raw: Uint8Array;
  readonly envelope?: RawItem['envelope'];
}

/** Text of Block Kit blocks (rich_text elements, section and context texts), for a message whose `text` is empty. */
export const blocksText = (blocks: unknown): string => {
  const out: string[] = [];
  eachJsonObject(blocks, (n) => {
    if (typeof n.text === 'string') out.push(n.text);
    else if (n.type === 'user' && typeof n.user_id === 'string') out.push(`<@${n.user_id}>`);
    else if (n.type === 'link' && typeof n.url === 'string') out.push(n.url);
  });
  return out.join('').trim();
};

const textOf = (message: SlackMessage): string =>
  message.text && message.text.length > 0 ? message.text : blocksText(message.blocks);

const version = (input: VersionInput): RawItem => {
  const { channel, message, kind, at } = input;
  const originalKey = slackMessageKey(channel, message.ts);
  const externalId = kind === 'original' ? originalKey : `${originalKey}#${kind === 'edit' ? 'edit' : 'delete'}:${at}`;
  const communication: Communication = {
    channel: 'chat',
    externalId,
    threadId: slackMessageKey(channel, message.thread_ts ?? message.ts),
    sentAt: slackTime(at),
    bodyText: kind === 'deletion' ? '' : textOf(message),
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
  return {
    sourceId: externalId,
    raw: input.raw,
    contentType: 'application/json',
    communication,
    ...(input.envelope ? { envelope: input.envelope } : {}),
  };
};

/**
 * A message as `conversations.history` returns it (or a plain `message`
 * event): the original, or, when Slack marks it edited, the edit version —
 * the history only shows the current text, so that is what it can vouch for.
 */
export const slackHistoryItem = (
  teamId: string | undefined,
  channel: string,
  message: SlackMessage,
  raw: Uint8Array = encode(message),
  envelope?: RawItem['envelope'],
): RawItem =>
  message.edited
    ? version({
        teamId,
        channel,
        message,
        kind: 'edit',
        at: message.edited.ts,
        actor: message.edited.user,
        raw,
        envelope,
      })
    : version({ teamId, channel, message, kind: 'original', at: message.ts, raw, envelope });

/** Subtypes that are not messages of a person (joins, topic changes...) are still kept, as Slack sent them. */
export const slackEventItems = (
  teamId: string | undefined,
  event: SlackMessageEvent,
  raw: Uint8Array = encode(event),
): RawItem[] => {
  switch (event.subtype) {
    // A reply was added to a thread: the event restates the parent (reply counts), it is no new message.
    // The reply itself arrives as its own `message` event; the raw body stays in the webhook archive.
    case 'message_replied':
      return [];
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
          raw,
        }),
      ];
    }
    case 'message_deleted': {
      const original = event.previous_message ?? { type: 'message' as const, ts: event.deleted_ts ?? event.ts };
      return [version({ teamId, channel: event.channel, message: original, kind: 'deletion', at: event.ts, raw })];
    }
    default:
      return [version({ teamId, channel: event.channel, message: event, kind: 'original', at: event.ts, raw })];
  }
};
