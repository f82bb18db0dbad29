import { Effect, Schema } from 'effect';
import type { ConnectorError } from '../../pipeline/errors.js';

const Folder = Schema.Struct({ id: Schema.String, childFolderCount: Schema.optional(Schema.Number) });

/** One page of `mailFolders` or `childFolders`. */
export const FolderList = Schema.Struct({
  value: Schema.Array(Folder),
  '@odata.nextLink': Schema.optional(Schema.String),
});
export type FolderList = typeof FolderList.Type;

/**
 * Every mail folder of a mailbox, children included (depth first), read with
 * the caller's GET (the connector's and the reconcile listing's differ in
 * retries and errors). `graphBase` ends in `/v1.0`; `mailbox` is URL-encoded.
 * https://learn.microsoft.com/graph/api/user-list-mailfolders
 */
export const listMailFolders = (
  graphBase: string,
  mailbox: string,
  getPage: (url: string) => Effect.Effect<FolderList, ConnectorError>,
): Effect.Effect<string[], ConnectorError> =>
  Effect.gen(function* () {
    const ids: string[] = [];
    const visit = (url: string): Effect.Effect<void, ConnectorError> =>
      Effect.gen(function* () {
        let next: string | undefined = url;
        while (next) {
          const page: FolderList = yield* getPage(next);
          for (const folder of page.value) {
            ids.push(folder.id);
            if ((folder.childFolderCount ?? 0) > 0)
              yield* visit(`${graphBase}/users/${mailbox}/mailFolders/${folder.id}/childFolders?$top=100`);
          }
          next = page['@odata.nextLink'];
        }
      });
    yield* visit(`${graphBase}/users/${mailbox}/mailFolders?$top=100`);
    return ids;
  });
