import { Effect } from 'effect';
import type { RawItem } from '../../pipeline/communication.js';
import type { ConnectorError } from '../../pipeline/errors.js';
import { fetchAttachment } from '../attachment-fetch.js';
import { messageFiles } from '../message-files.js';
import type { SlackClient } from './client.js';

/**
 * The file object fields we act on (https://docs.slack.dev/reference/objects/file-object);
 * the whole object stays in the raw message.
 */
interface SlackFile {
  readonly id?: string;
  readonly name?: string;
  readonly title?: string;
  readonly mimetype?: string;
  readonly size?: number;
  readonly mode?: string;
  readonly is_external?: boolean;
  readonly external_type?: string;
  readonly url_private?: string;
  readonly url_private_download?: string;
  readonly permalink?: string;
  /** `check_file_info`: a Slack Connect file named by id only; `files.info` gives the rest. */
  readonly file_access?: string;
}

const asFile = (value: unknown): SlackFile => (typeof value === 'object' && value !== null ? (value as SlackFile) : {});

/** Files Slack documents as having no content to download, with the reason the record states. */
const notDownloadable = (file: SlackFile): string | undefined => {
  if (file.mode === 'tombstone') return 'deleted in Slack (mode tombstone): the file no longer exists';
  if (file.mode === 'hidden_by_limit')
    return 'hidden by the workspace plan limit (mode hidden_by_limit): Slack withholds its content';
  if (file.is_external || file.mode === 'external')
    return `hosted outside Slack (external_type ${file.external_type || 'unknown'}): recorded as a link`;
  return undefined;
};

/**
 * Downloads every file of a Slack message with the bot token
 * (`url_private_download` needs `Authorization: Bearer`, scope `files:read`)
 * and attaches the bytes to the item, so ingest archives each one under its
 * content hash in the same step as the message and links it to the message's
 * row (`attachments`). A file Slack documents as contentless (deleted, hidden
 * by plan limit, external) is recorded in `metadata.fileRecords` with the
 * reason and its link. Any failed download fails the page: the job is retried,
 * never stored without its files.
 */
export const attachSlackFiles = (
  client: Pick<SlackClient, 'fileInfo'>,
  token: string,
  item: RawItem,
  files: readonly unknown[] = filesOf(item),
): Effect.Effect<RawItem, ConnectorError> =>
  Effect.gen(function* () {
    const filed = messageFiles(item);
    for (const value of files) {
      let file = asFile(value);
      const id = file.id ?? `file-${filed.recorded()}`;
      if (file.file_access === 'check_file_info' && file.id) file = asFile(yield* client.fileInfo(token, file.id));
      const name = file.name ?? file.title;
      const link = file.permalink ?? file.url_private;
      const reason = notDownloadable(file);
      const url = file.url_private_download ?? file.url_private;
      if (reason || !url) {
        filed.unfetched({
          id,
          ...(name ? { name } : {}),
          ...(link ? { link } : {}),
          reason: reason ?? `Slack gives no download URL for this file (mode ${file.mode ?? 'unknown'})`,
        });
        continue;
      }
      const attachment = yield* fetchAttachment({
        platform: 'slack',
        url,
        headers: { authorization: `Bearer ${token}` },
        filename: name,
        contentType: file.mimetype,
        expectedSize: typeof file.size === 'number' ? file.size : undefined,
        refuseHtml: true,
      });
      filed.archived(id, attachment, name ? { name } : {});
    }
    return filed.attached();
  });

/** The files a version carries (`metadata.files`, as Slack sent them): none for a deletion, whose original holds them. */
export const filesOf = (item: RawItem): readonly unknown[] => {
  const files = item.communication.metadata.files;
  return item.communication.metadata.version === 'deletion' || !Array.isArray(files) ? [] : files;
};

/** Every item of a page with its files fetched; the token is asked for only when some item has files. */
export const attachPageFiles = (
  client: Pick<SlackClient, 'fileInfo'>,
  token: Effect.Effect<string, ConnectorError>,
  items: readonly RawItem[],
): Effect.Effect<RawItem[], ConnectorError> =>
  items.every((item) => filesOf(item).length === 0)
    ? Effect.succeed([...items])
    : Effect.flatMap(token, (t) => Effect.forEach(items, (item) => attachSlackFiles(client, t, item, filesOf(item))));
