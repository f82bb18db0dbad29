import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Effect, Layer } from 'effect';
import { BadPayload, Transient } from '../pipeline/errors.js';
import { ArchiveStore, archiveKeyFor, sha256Hex } from './archive-store.js';
import { sharedObjectWriter } from './object-writer.js';
import { writeOnce } from './write-once.js';

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * The embedded archive: files on disk, one folder per customer, the same
 * content-addressed keys as S3. Written to a temporary name and renamed, so a
 * crash never leaves a half-written object under a real key.
 *
 * Objects up to this size (messages, attachments: what a backfill writes by
 * the thousand) go to the archive's writer thread (`object-writer.ts`), where
 * creating their files (kernel work, tens to hundreds of µs each) runs beside
 * the pipeline. Larger objects (recordings) are written through the thread
 * pool so they never hold the event loop.
 */
const SMALL_OBJECT_LIMIT = 256 * 1024;

export const localArchiveStoreLayer = (root: string): Layer.Layer<ArchiveStore> => {
  const writer = sharedObjectWriter();

  return Layer.succeed(ArchiveStore, {
    put: (customerId, bytes) =>
      Effect.tryPromise({
        try: async () => {
          const sha256 = sha256Hex(bytes);
          const key = archiveKeyFor(sha256);
          const path = join(root, customerId, key);
          const created =
            bytes.byteLength <= SMALL_OBJECT_LIMIT ? await writer.write(path, bytes) : await writeOnce(path, bytes);
          return { key, sha256, size: bytes.byteLength, created };
        },
        catch: (cause) => new Transient({ source: 'archive', detail: `writing the local archive: ${String(cause)}` }),
      }),
    get: (customerId, key) =>
      Effect.tryPromise({
        try: () => readFile(join(root, customerId, key)),
        catch: (cause) =>
          (cause as NodeJS.ErrnoException).code === 'ENOENT'
            ? new BadPayload({ subject: 'archive', reason: 'no such object', location: key })
            : new Transient({ source: 'archive', detail: String(cause) }),
      }).pipe(Effect.map((buffer) => new Uint8Array(buffer))),
    exists: (customerId, key) => Effect.promise(() => exists(join(root, customerId, key))),
  });
};
