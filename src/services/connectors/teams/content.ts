import { Effect } from 'effect';
import type { RawItem } from '../../pipeline/communication.js';
import type { ConnectorError } from '../../pipeline/errors.js';
import { fetchAttachment, fetchAttachmentUnlessRefused } from '../attachment-fetch.js';
import { messageFiles } from '../message-files.js';
import type { GraphChatMessage } from './messages.js';

/**
 * What a Teams message carries beyond its JSON: hosted contents (inline
 * images, code snippets; `<img src=".../hostedContents/{id}/$value">` in the
 * body, https://learn.microsoft.com/graph/api/chatmessagehostedcontent-get)
 * and file attachments (`contentType: "reference"`, a SharePoint/OneDrive
 * `contentUrl`, https://learn.microsoft.com/graph/api/resources/chatmessageattachment).
 */

/** The `.../hostedContents/{id}/$value` paths a body names, relative to the Graph version root (`chats/...`, `teams/...`). */
export const hostedContentPaths = (message: GraphChatMessage): { id: string; path: string }[] => {
  const html = (message.body.content ?? '').replaceAll('&amp;', '&');
  const found = new Map<string, string>();
  for (const match of html.matchAll(
    /((?:users\/[^/"'\s]+\/)?(?:chats|teams)\/[^"'\s]*?\/messages\/[^/"'\s]+(?:\/replies\/[^/"'\s]+)?\/hostedContents\/([^/"'\s]+)\/\$value)/g,
  )) {
    if (match[1] && match[2]) found.set(match[2], match[1]);
  }
  return [...found].map(([id, path]) => ({ id, path }));
};

/**
 * A sharing URL as the shares API takes it
 * (https://learn.microsoft.com/graph/api/shares-get#encoding-sharing-urls):
 * base64 of the URL, made URL-safe and unpadded, prefixed with `u!`.
 */
export const encodeSharingUrl = (url: string): string =>
  `u!${Buffer.from(url, 'utf8').toString('base64').replace(/=+$/, '').replaceAll('/', '_').replaceAll('+', '-')}`;

/**
 * Fetches a message's hosted contents and reference files with the Graph
 * token and attaches their bytes to the item (archived under their hash with
 * the message, linked to its row). A reference file Graph will not give the
 * app (403/404 on `/shares/{id}/driveItem/content`: another tenant's file, a
 * revoked link) is recorded as a link with the reason in
 * `metadata.fileRecords`; any other failure fails the page. A deletion
 * version fetches nothing: its original holds the content.
 */
export const attachTeamsContent = (
  baseUrl: string,
  token: string,
  message: GraphChatMessage,
  item: RawItem,
): Effect.Effect<RawItem, ConnectorError> =>
  Effect.gen(function* () {
    if (item.communication.metadata.version === 'deletion') return item;
    const hosted = hostedContentPaths(message);
    const references = (message.attachments ?? []).filter((a) => a.contentType === 'reference' && a.contentUrl);
    if (hosted.length === 0 && references.length === 0) return item;
    const headers = { authorization: `Bearer ${token}` };
    const filed = messageFiles(item);
    for (const { id, path } of hosted) {
      const attachment = yield* fetchAttachment({ platform: 'teams', url: `${baseUrl}/${path}`, headers });
      filed.archived(id, attachment, { kind: 'hostedContent' });
    }
    for (const reference of references) {
      const link = reference.contentUrl as string;
      const id = reference.id ?? link;
      const result = yield* fetchAttachmentUnlessRefused(
        {
          platform: 'teams',
          url: `${baseUrl}/shares/${encodeSharingUrl(link)}/driveItem/content`,
          headers,
          filename: reference.name ?? undefined,
        },
        [403, 404],
      );
      if (result._tag === 'refused') {
        filed.unfetched({
          id,
          ...(reference.name ? { name: reference.name } : {}),
          link,
          reason: `Graph answered ${result.status} on the shares API: the file is out of the app's reach (another tenant's file, a revoked or deleted link); recorded as a link`,
        });
        continue;
      }
      filed.archived(id, result.attachment, reference.name ? { name: reference.name } : {});
    }
    return filed.attached();
  });
