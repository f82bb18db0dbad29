import { Schema } from 'effect';
import type { Communication, RawItem } from '../../pipeline/communication.js';
import { eachJsonObject } from '../json-tree.js';

/** A Graph `chatMessage` (https://learn.microsoft.com/graph/api/resources/chatmessage); the fields we keep. */
export const GraphChatMessage = Schema.Struct({
  id: Schema.String,
  replyToId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  etag: Schema.optionalKey(Schema.NullOr(Schema.String)),
  messageType: Schema.optionalKey(Schema.String),
  createdDateTime: Schema.String,
  lastModifiedDateTime: Schema.optionalKey(Schema.NullOr(Schema.String)),
  lastEditedDateTime: Schema.optionalKey(Schema.NullOr(Schema.String)),
  deletedDateTime: Schema.optionalKey(Schema.NullOr(Schema.String)),
  subject: Schema.optionalKey(Schema.NullOr(Schema.String)),
  chatId: Schema.optionalKey(Schema.NullOr(Schema.String)),
  channelIdentity: Schema.optionalKey(
    Schema.NullOr(Schema.Struct({ teamId: Schema.String, channelId: Schema.String })),
  ),
  from: Schema.optionalKey(
    Schema.NullOr(
      Schema.Struct({
        user: Schema.optionalKey(
          Schema.NullOr(
            Schema.Struct({ id: Schema.String, displayName: Schema.optionalKey(Schema.NullOr(Schema.String)) }),
          ),
        ),
        application: Schema.optionalKey(Schema.NullOr(Schema.Unknown)),
      }),
    ),
  ),
  body: Schema.Struct({ contentType: Schema.String, content: Schema.NullOr(Schema.String) }),
  /** Cards, file references and other attachments; a card-only message's text lives here. */
  attachments: Schema.optionalKey(
    Schema.NullOr(
      Schema.Array(
        Schema.Struct({
          id: Schema.optionalKey(Schema.NullOr(Schema.String)),
          contentType: Schema.optionalKey(Schema.NullOr(Schema.String)),
          contentUrl: Schema.optionalKey(Schema.NullOr(Schema.String)),
          content: Schema.optionalKey(Schema.NullOr(Schema.String)),
          name: Schema.optionalKey(Schema.NullOr(Schema.String)),
        }),
      ),
    ),
  ),
});
export type GraphChatMessage = typeof GraphChatMessage.Type;

/** The conversation a message belongs to: the chat, or team/channel (the archive keys messages on it). */
export const conversationOf = (m: GraphChatMessage): string =>
  m.chatId ?? (m.channelIdentity ? `${m.channelIdentity.teamId}/${m.channelIdentity.channelId}` : 'unknown');

/** A card's `text` is read where it stands, never walked into. */
const TEXT: ReadonlySet<string> = new Set(['text']);

/** The text of an Adaptive Card (its TextBlock, RichTextBlock and FactSet texts, in order). */
const cardText = (json: string): string => {
  const texts: string[] = [];
  try {
    eachJsonObject(
      JSON.parse(json),
      (n) => {
        if ((n.type === 'TextBlock' || n.type === 'TextRun') && typeof n.text === 'string') texts.push(n.text);
        if (typeof n.title === 'string' && typeof n.value === 'string') texts.push(`${n.title}: ${n.value}`);
      },
      TEXT,
    );
  } catch {
    return '';
  }
  return texts.join('\n');
};

/** HTML bodies become text for search, cards add theirs; the raw document is archived as received. */
const textOf = (m: GraphChatMessage): string => {
  const cards = (m.attachments ?? [])
    .filter((a) => a.contentType?.startsWith('application/vnd.microsoft.card') && a.content)
    .map((a) => cardText(a.content ?? ''))
    .filter((t) => t.length > 0);
  const body = bodyText(m);
  return [body, ...cards].filter((t) => t.length > 0).join('\n');
};

const bodyText = (m: GraphChatMessage): string => {
  const content = m.body.content ?? '';
  if (m.body.contentType !== 'html') return content;
  return content
    .replace(/<attachment[^>]*><\/attachment>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .trim();
};

/**
 * A Teams message version. `getAllMessages` returns a message again whenever
 * it changes (edit, deletion, reaction): the first time is the original; an
 * edit (`lastEditedDateTime`) and a deletion (`deletedDateTime`) each become a
 * new version with its own key, so the original row is never overwritten.
 * Changes that are not edits (reactions) map to the key already stored: no-op.
 */
export const teamsMessageItem = (
  message: GraphChatMessage,
  /** The message's bytes as Graph sent them (every field: mentions, reactions, attachments, @odata.type). */
  raw: Uint8Array,
  envelope?: RawItem['envelope'],
): RawItem => {
  const conversation = conversationOf(message);
  const originalKey = `${conversation}:${message.id}`;
  const kind = message.deletedDateTime ? 'deletion' : message.lastEditedDateTime ? 'edit' : 'original';
  const at = message.deletedDateTime ?? message.lastEditedDateTime ?? message.createdDateTime;
  const externalId = kind === 'original' ? originalKey : `${originalKey}#${kind === 'edit' ? 'edit' : 'delete'}:${at}`;
  const sender = message.from?.user;
  const communication: Communication = {
    channel: 'chat',
    externalId,
    threadId: `${conversation}:${message.replyToId ?? message.id}`,
    ...(message.subject ? { subject: message.subject } : {}),
    sentAt: new Date(at),
    bodyText: kind === 'deletion' ? '' : textOf(message),
    participants: sender
      ? [{ role: 'sender', address: sender.id, ...(sender.displayName ? { displayName: sender.displayName } : {}) }]
      : [],
    attachments: [],
    recordings: [],
    metadata: {
      platform: 'teams',
      conversation,
      messageId: message.id,
      version: kind,
      ...(kind === 'original' ? {} : { versionOf: originalKey }),
      ...(message.messageType ? { messageType: message.messageType } : {}),
    },
  };
  return {
    sourceId: externalId,
    raw,
    contentType: 'application/json',
    communication,
    ...(envelope ? { envelope } : {}),
  };
};
