import { Schema } from 'effect';
import type { Communication, RawItem } from '../../pipeline/communication.js';

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
});
export type GraphChatMessage = typeof GraphChatMessage.Type;

/** The conversation a message belongs to: the chat, or team/channel. */
const conversationOf = (m: GraphChatMessage): string =>
  m.chatId ?? (m.channelIdentity ? `${m.channelIdentity.teamId}/${m.channelIdentity.channelId}` : 'unknown');

/** HTML bodies become text for search; the raw document (HTML included) is archived as received. */
const textOf = (m: GraphChatMessage): string => {
  const content = m.body.content ?? '';
  if (m.body.contentType !== 'html') return content;
  return content
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
export const teamsMessageItem = (message: GraphChatMessage): RawItem => {
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
    raw: new TextEncoder().encode(JSON.stringify(message)),
    contentType: 'application/json',
    communication,
  };
};
