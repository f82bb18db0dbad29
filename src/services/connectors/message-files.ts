import type { Attachment, RawItem } from '../pipeline/communication.js';
import type { FileRecord, UnfetchedFile } from './attachment-fetch.js';

/**
 * The files of one message as its connector goes through them: a fetched file
 * is attached (ingest archives it under its hash with the message) and
 * recorded with its place among the attachments; a file not fetched is
 * recorded with why. Slack files, Teams contents and Twilio media write the
 * same `metadata.fileRecords`, so the record is kept in one place.
 */
export const messageFiles = (item: RawItem) => {
  const attachments: Attachment[] = [...item.communication.attachments];
  const records: FileRecord[] = [];
  return {
    /** How many files are recorded so far. */
    recorded: () => records.length,
    archived: (id: string, attachment: Attachment, label: { readonly kind?: string; readonly name?: string } = {}) => {
      records.push({
        id,
        archived: true,
        ...label,
        sha256: attachment.sha256,
        size: attachment.size,
        ordinal: attachments.length,
      });
      attachments.push(attachment);
    },
    unfetched: ({ id, ...file }: UnfetchedFile) => {
      records.push({ id, archived: false, ...file });
    },
    /** The item with its attachments and `metadata.fileRecords`. */
    attached: (): RawItem => ({
      ...item,
      communication: {
        ...item.communication,
        attachments,
        metadata: { ...item.communication.metadata, fileRecords: records },
      },
    }),
  };
};
