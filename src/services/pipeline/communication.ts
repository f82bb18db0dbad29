/**
 * The normalized shape every connector produces, whatever the platform: one
 * communication (an email, a chat message, a call, a meeting) with its
 * participants, attachments and recordings. Ingest maps it onto the database
 * schema (`communications`, `participants`, `attachments`, `recordings`).
 */

export type Channel = 'email' | 'chat' | 'sms' | 'call' | 'meeting';

export type ParticipantRole = 'from' | 'sender' | 'to' | 'cc' | 'bcc' | 'reply_to' | 'member' | 'speaker';

export interface Participant {
  readonly role: ParticipantRole;
  /** Email address, phone number (E.164) or platform user id. */
  readonly address: string;
  readonly displayName?: string;
}

export interface Attachment {
  readonly filename?: string;
  readonly contentType: string;
  readonly size: number;
  /** SHA-256 of the decoded content, hex. */
  readonly sha256: string;
  /** Decoded content; archived separately only when it is a recording. */
  readonly content: Uint8Array;
}

/** Audio or video to transcribe: archived on its own and queued for Whisper. */
export interface Recording {
  readonly contentType: string;
  readonly filename?: string;
  readonly content: Uint8Array;
  readonly durationSeconds?: number;
}

export interface Communication {
  readonly channel: Channel;
  /**
   * The natural idempotency key within (customer, platform): the provider's
   * stable id for email it is the RFC 5322 Message-ID when present (so one
   * message seen through two folders or two rounds is one row), else the
   * provider's id, else the content hash.
   */
  readonly externalId: string;
  readonly threadId?: string;
  readonly subject?: string;
  readonly sentAt: Date;
  readonly bodyText: string;
  readonly participants: readonly Participant[];
  readonly attachments: readonly Attachment[];
  readonly recordings: readonly Recording[];
  /** Anything else worth keeping (labels, folder, headers of note); stored as JSON. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * One item as a connector fetched it: the raw bytes exactly as received (MIME
 * for email, the JSON document for chat) and its normalized form.
 */
export interface RawItem {
  /** The provider's id of the item (Gmail message id, Graph message id, file path for imports). */
  readonly sourceId: string;
  readonly raw: Uint8Array;
  /** `message/rfc822` for email, `application/json` for API documents. */
  readonly contentType: string;
  readonly communication: Communication;
  /**
   * The document the item was delivered in, when it came inside a larger one
   * (an API page, a webhook body): archived as received beside the item, and
   * named on its row (`metadata.envelope`). Items of one page share it.
   */
  readonly envelope?: { readonly bytes: Uint8Array; readonly contentType: string };
}

/**
 * An item whose normalization the connector leaves to ingest (the archive
 * import): ingest first looks its raw bytes up by SHA-256 and parses only the
 * ones not stored yet, so a redelivered backfill costs a hash, not a MIME parse.
 */
export interface UnparsedItem {
  readonly sourceId: string;
  readonly raw: Uint8Array;
  /** `message/rfc822` for email. */
  readonly contentType: string;
  /** The connector's normalization of `raw`; a `reason` when it is not an item at all (reported and skipped). */
  readonly parse: () => Promise<Communication | { readonly reason: string }>;
}

/** An item the connector could not normalize: reported with its location and skipped, never retried. */
export interface SkippedItem {
  readonly location: string;
  readonly reason: string;
}
