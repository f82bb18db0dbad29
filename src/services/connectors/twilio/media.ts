import { Effect } from 'effect';
import type { RawItem } from '../../pipeline/communication.js';
import { type ConnectorError, Transient } from '../../pipeline/errors.js';
import { fetchAttachment } from '../attachment-fetch.js';
import { messageFiles } from '../message-files.js';

/**
 * The media of an MMS as the inbound webhook names them
 * (https://www.twilio.com/docs/messaging/guides/webhook-request#media-related-parameters):
 * `NumMedia`, then `MediaUrl{N}` and `MediaContentType{N}` for N from 0.
 * A declared item without its URL is refused: the record would be incomplete.
 */
export const declaredMedia = (
  params: Readonly<Record<string, string>>,
): { index: number; url: string | undefined; contentType: string | undefined }[] =>
  Array.from({ length: Number(params.NumMedia ?? '0') || 0 }, (_, index) => ({
    index,
    url: params[`MediaUrl${index}`],
    contentType: params[`MediaContentType${index}`],
  }));

/**
 * Fetches each media item of an MMS with HTTP basic auth (account SID and
 * auth token: Twilio may require it for media,
 * https://www.twilio.com/docs/usage/security#http-authentication) and attaches
 * the bytes to the message, so ingest archives them under their hash with it.
 * Any failure fails the job (a 404 is retried: media can lag the webhook).
 */
export const attachTwilioMedia = (
  item: RawItem,
  params: Readonly<Record<string, string>>,
  accountSid: string,
  authToken: Effect.Effect<string, ConnectorError>,
): Effect.Effect<RawItem, ConnectorError> =>
  Effect.gen(function* () {
    const media = declaredMedia(params);
    if (media.length === 0) return item;
    const token = yield* authToken;
    const authorization = `Basic ${Buffer.from(`${accountSid}:${token}`).toString('base64')}`;
    const filed = messageFiles(item);
    for (const { index, url, contentType } of media) {
      if (!url)
        return yield* new Transient({
          source: 'twilio',
          detail: `NumMedia=${params.NumMedia} but MediaUrl${index} is missing: not stored incomplete`,
        });
      const id = url.split('/').pop() || `media-${index}`;
      const attachment = yield* fetchAttachment({
        platform: 'twilio',
        url,
        headers: { authorization },
        filename: id,
        contentType,
      }).pipe(
        Effect.mapError((e) =>
          e._tag === 'BadPayload' && e.reason.includes('404')
            ? new Transient({ source: 'twilio', status: 404, detail: `media ${id} not yet available` })
            : e,
        ),
      );
      filed.archived(id, attachment);
    }
    return filed.attached();
  });
