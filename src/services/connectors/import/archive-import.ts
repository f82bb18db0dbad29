import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import { Effect, Option, Schema } from 'effect';
import type { SkippedItem, UnparsedItem } from '../../pipeline/communication.js';
import type { Connector, Page } from '../../pipeline/connector.js';
import { BadPayload, badJob } from '../../pipeline/errors.js';
import { type ConnectorJob, jobParam } from '../../pipeline/job.js';
import { parseEmail } from '../email/mime.js';
import { sharedEmailParsePool } from '../email/parse-pool.js';
import { mboxMessages } from './mbox.js';

/**
 * Archive import: a local export for historical backfill — a folder of `.eml`
 * files and mbox files (or one such file) — through the same pipeline as the
 * live connectors. Files are read in sorted path order; the cursor is the
 * position (file, message) of the next message, so an interrupted import
 * resumes where it stopped and a finished one starts over (every message it
 * finds again is a duplicate, a no-op). A file that is not an email is
 * reported with its path and skipped; the import goes on.
 */

export interface ArchiveImportOptions {
  /**
   * Messages per page: one ingest transaction and one cursor advance. A backfill's cost is mostly per
   * page round trips, so pages are large; a page is stored whole or not at all. @default 500
   */
  readonly pageSize?: number;
  /**
   * Worker threads that parse MIME (`parse-pool.ts`) so a backfill uses more
   * than one core; 0 parses on the calling thread. Started on first use and
   * shared by the process; idle workers do not keep it alive. @default 0
   */
  readonly parseWorkers?: number;
}

const Position = Schema.Struct({ file: Schema.Number, message: Schema.Number, complete: Schema.Boolean });
type Position = typeof Position.Type;

type Entry =
  | {
      readonly file: number;
      readonly message: number;
      readonly location: string;
      readonly raw: Uint8Array;
      readonly mtime: Date;
    }
  | { readonly file: number; readonly message: number; readonly location: string; readonly reason: string };

const isMbox = (path: string) => extname(path).toLowerCase() === '.mbox' || basename(path).toLowerCase() === 'mbox';
const isEml = (path: string) => extname(path).toLowerCase() === '.eml';
const isHidden = (path: string) => basename(path).startsWith('.');

/** Every file under `root` (or `root` itself), sorted, hidden files left out. */
const listFiles = async (root: string): Promise<string[]> => {
  const info = await stat(root);
  if (info.isFile()) return [root];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter(
      (p) =>
        !relative(root, p)
          .split(/[\\/]/)
          .some((part) => part.startsWith('.')),
    )
    .sort();
};

/** All entries from `from` onwards, in order: one per .eml file, one per mbox message, one per unusable file. */
async function* entriesFrom(root: string, files: readonly string[], from: Position): AsyncGenerator<Entry> {
  for (let file = from.file; file < files.length; file++) {
    const path = files[file] as string;
    const location = relative(root, path) || basename(path);
    if (isHidden(path)) continue;
    const mtime = (await stat(path)).mtime;
    if (isEml(path)) {
      if (file === from.file && from.message > 0) continue;
      yield { file, message: 0, location, raw: new Uint8Array(await readFile(path)), mtime };
    } else if (isMbox(path)) {
      let message = 0;
      try {
        for await (const raw of mboxMessages(path)) {
          if (!(file === from.file && message < from.message)) {
            yield { file, message, location: `${location}#${message + 1}`, raw: new Uint8Array(raw), mtime };
          }
          message++;
        }
      } catch (error) {
        yield {
          file,
          message,
          location: message === 0 ? location : `${location}#${message + 1}`,
          reason:
            error instanceof Error && error.message === 'NOT_AN_MBOX_FILE'
              ? 'not an mbox file (no From_ line)'
              : String(error),
        };
      }
    } else if (!(file === from.file && from.message > 0)) {
      yield { file, message: 0, location, reason: 'not an .eml or mbox file' };
    }
  }
}

export const makeArchiveImportConnector = (options: ArchiveImportOptions = {}) =>
  Effect.sync(() => {
    const pageSize = options.pageSize ?? 500;
    const workers = options.parseWorkers ?? 0;
    const parser = {
      parse: (raw: Uint8Array, hints: Parameters<typeof parseEmail>[1]) =>
        workers > 0 ? sharedEmailParsePool(workers).parse(raw, hints) : parseEmail(raw, hints),
    };
    /** The open reader of the import in progress, reused page after page while the cursor matches. */
    let reader: { root: string; at: Position; entries: AsyncGenerator<Entry> } | undefined;

    const rootOf = (job: ConnectorJob) => {
      const path = jobParam(job, 'path');
      return path ? Effect.succeed(path) : Effect.fail(badJob(job, 'import jobs need params.path'));
    };

    const readPage = async (root: string, at: Position): Promise<Page> => {
      const files = await listFiles(root);
      if (!reader || reader.root !== root || reader.at.file !== at.file || reader.at.message !== at.message) {
        await reader?.entries.return(undefined);
        reader = { root, at, entries: entriesFrom(root, files, at) };
      }
      const unparsed: UnparsedItem[] = [];
      const skipped: SkippedItem[] = [];
      let next: Position = at;
      let done = false;
      while (unparsed.length + skipped.length < pageSize) {
        const step = await reader.entries.next();
        if (step.done) {
          done = true;
          break;
        }
        const entry = step.value;
        next = { file: entry.file, message: entry.message + 1, complete: false };
        if ('reason' in entry) {
          skipped.push({ location: entry.location, reason: entry.reason });
          continue;
        }
        // Parsed by ingest, and only when these bytes are not stored yet (a re-import costs a hash, not a parse).
        const { raw, location, mtime } = entry;
        const hints = { sourceId: location, fallbackDate: mtime, metadata: { importedFrom: location } };
        unparsed.push({
          sourceId: location,
          raw,
          contentType: 'message/rfc822',
          parse: () => parser.parse(raw, hints),
        });
      }
      if (done) {
        reader = undefined;
        next = { file: files.length, message: 0, complete: true };
      } else {
        reader.at = next;
      }
      return { items: [], unparsed, skipped, nextCursor: JSON.stringify(next), done };
    };

    const connector: Connector = {
      platform: 'import',
      scopes: (job) => Effect.map(rootOf(job), (root) => [root]),
      fetchPage: (_job, root, cursor) =>
        Effect.gen(function* () {
          const stored = Option.isSome(cursor)
            ? yield* Schema.decodeUnknownEffect(Schema.fromJsonString(Position))(cursor.value).pipe(
                Effect.mapError((e) => new BadPayload({ subject: 'cursor', reason: e.message, location: root })),
              )
            : undefined;
          const at: Position = stored && !stored.complete ? stored : { file: 0, message: 0, complete: false };
          return yield* Effect.tryPromise({
            try: () => readPage(root, at),
            catch: (cause) =>
              new BadPayload({
                subject: 'file',
                reason: `cannot read the import: ${cause instanceof Error ? cause.message : String(cause)}`,
                location: root,
              }),
          });
        }),
    };
    return connector;
  });
