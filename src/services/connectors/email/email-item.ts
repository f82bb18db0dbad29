import type { RawItem, SkippedItem } from '../../pipeline/communication.js';
import { type EmailHints, isNotAnEmail, parseEmail } from './mime.js';

/**
 * A provider's RFC 822 message as the pipeline takes it (Gmail, Microsoft
 * Graph): an item (the raw bytes and the communication parsed from them), or
 * skipped at `location` with the reason it is not an email.
 */
export const emailItem = async (
  raw: Uint8Array,
  location: string,
  hints: EmailHints,
): Promise<RawItem | SkippedItem> => {
  const communication = await parseEmail(raw, hints);
  return isNotAnEmail(communication)
    ? { location, reason: communication.reason }
    : { sourceId: hints.sourceId, raw, contentType: 'message/rfc822', communication };
};
