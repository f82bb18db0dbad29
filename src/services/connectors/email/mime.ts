import { type AddressObject, type EmailAddress, simpleParser } from 'mailparser';
import { sha256Hex } from '../../archive/archive-store.js';
import type {
  Attachment,
  Communication,
  Participant,
  ParticipantRole,
  Recording,
} from '../../pipeline/communication.js';

/**
 * Normalizes one RFC 822 message (as Gmail `format=raw`, Graph `$value`, an
 * `.eml` file or an mbox entry give it) into a `Communication`. Parsing is
 * mailparser's (headers, RFC 2047 words, multipart, transfer and charset
 * encodings, attachments); this module only decides what we keep.
 */

export interface EmailHints {
  /** The provider's id of the message (Gmail id, Graph id, file path). */
  readonly sourceId: string;
  /** The provider's thread/conversation id, when it has one. */
  readonly threadId?: string;
  /** When the message has no usable Date header: the provider's received time (or the file's time). */
  readonly fallbackDate?: Date;
  /** Extra metadata to keep (labels, folder). */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Why a byte string is not an email we can normalize (returned, not thrown: the caller reports and skips). */
export interface NotAnEmail {
  readonly reason: string;
}

const HEADER_LINE = /^[\x21-\x39\x3b-\x7e]+:/;
const KNOWN_HEADERS = ['from', 'date', 'message-id', 'subject', 'to', 'received'];

/** A cheap structural check before parsing: mailparser accepts any bytes, so garbage must be caught here. */
const structuralProblem = (raw: Uint8Array): string | undefined => {
  if (raw.byteLength === 0) return 'empty file';
  const head = Buffer.from(raw.subarray(0, Math.min(raw.byteLength, 64 * 1024))).toString('latin1');
  const headerEnd = head.search(/\r?\n\r?\n/);
  const headerBlock = headerEnd === -1 ? head : head.slice(0, headerEnd);
  if (headerBlock.includes('\u0000')) return 'binary content where the header block should be';
  const firstLine = headerBlock.split(/\r?\n/)[0] ?? '';
  if (!HEADER_LINE.test(firstLine) && !firstLine.startsWith('From ')) {
    return `does not start with a header line (starts with ${JSON.stringify(firstLine.slice(0, 40))})`;
  }
  return undefined;
};

const addresses = (field: AddressObject | AddressObject[] | undefined): EmailAddress[] => {
  const flat = (list: EmailAddress[]): EmailAddress[] => list.flatMap((a) => (a.group ? flat(a.group) : [a]));
  return (Array.isArray(field) ? field : field ? [field] : []).flatMap((o) => flat(o.value));
};

const participantsOf = (role: ParticipantRole, field: AddressObject | AddressObject[] | undefined): Participant[] =>
  addresses(field)
    .filter((a) => a.address && a.address.length > 0)
    .map((a) => ({
      role,
      address: (a.address as string).toLowerCase(),
      ...(a.name ? { displayName: a.name } : {}),
    }));

const stripAngles = (id: string): string => id.trim().replace(/^<|>$/g, '');

const isMedia = (contentType: string): boolean => /^(audio|video)\//i.test(contentType);

export const parseEmail = async (raw: Uint8Array, hints: EmailHints): Promise<Communication | NotAnEmail> => {
  const problem = structuralProblem(raw);
  if (problem) return { reason: problem };
  let parsed: Awaited<ReturnType<typeof simpleParser>>;
  try {
    parsed = await simpleParser(Buffer.from(raw), { skipImageLinks: true, skipTextToHtml: true });
  } catch (error) {
    return { reason: `MIME parse failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!KNOWN_HEADERS.some((h) => parsed.headers.has(h))) {
    return { reason: 'no From, Date, Message-ID, Subject, To or Received header' };
  }

  const attachments: Attachment[] = [];
  const recordings: Recording[] = [];
  for (const part of parsed.attachments) {
    const content = new Uint8Array(part.content as Buffer);
    const contentType = (part.contentType || 'application/octet-stream').toLowerCase();
    attachments.push({
      ...(part.filename ? { filename: part.filename } : {}),
      contentType,
      size: content.byteLength,
      sha256: sha256Hex(content),
      content,
    });
    if (isMedia(contentType))
      recordings.push({ contentType, ...(part.filename ? { filename: part.filename } : {}), content });
  }

  const messageId = parsed.messageId ? stripAngles(parsed.messageId) : undefined;
  const references = (
    Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : []
  ).map(stripAngles);
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : undefined;
  const sentAt = date ?? hints.fallbackDate ?? new Date(0);
  const threadId =
    hints.threadId ?? references[0] ?? (parsed.inReplyTo ? stripAngles(parsed.inReplyTo) : undefined) ?? messageId;

  return {
    channel: 'email',
    externalId: messageId ?? `sha256:${sha256Hex(raw)}`,
    ...(threadId ? { threadId } : {}),
    ...(parsed.subject !== undefined ? { subject: parsed.subject } : {}),
    sentAt,
    bodyText: (parsed.text ?? '').trim(),
    participants: [
      ...participantsOf('from', parsed.from),
      ...participantsOf('to', parsed.to),
      ...participantsOf('cc', parsed.cc),
      ...participantsOf('bcc', parsed.bcc),
      ...participantsOf('reply_to', parsed.replyTo),
    ],
    attachments,
    recordings,
    metadata: {
      sourceId: hints.sourceId,
      ...(messageId ? { messageId } : {}),
      ...(date ? {} : { dateMissing: true }),
      ...(hints.metadata ?? {}),
    },
  };
};

export const isNotAnEmail = (value: Communication | NotAnEmail): value is NotAnEmail => 'reason' in value;
