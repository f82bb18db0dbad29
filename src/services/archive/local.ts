import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Effect, Layer } from 'effect';
import { BadPayload, Transient } from '../pipeline/errors.js';
import { ArchiveStore, archiveKeyFor, sha256Hex } from './archive-store.js';

/**
 * The embedded archive: files on disk, one folder per customer, the same
 * content-addressed keys as S3. Written to a temporary name and renamed, so a
 * crash never leaves a half-written object under a real key.
 */
export const localArchiveStoreLayer = (root: string): Layer.Layer<ArchiveStore> => {
  /** Folders this process already created (a backfill writes thousands of objects into 256 of them). */
  const made = new Set<string>();
  return Layer.succeed(ArchiveStore, {
    put: (customerId, bytes) =>
      Effect.tryPromise({
        try: async () => {
          const sha256 = sha256Hex(bytes);
          const key = archiveKeyFor(sha256);
          const path = join(root, customerId, key);
          const exists = await stat(path).then(
            () => true,
            () => false,
          );
          if (!exists) {
            const folder = dirname(path);
            if (!made.has(folder)) {
              await mkdir(folder, { recursive: true });
              made.add(folder);
            }
            const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
            await writeFile(temp, bytes).catch((error: NodeJS.ErrnoException) => {
              made.delete(folder); // removed under us: the retry creates it again
              throw error;
            });
            await rename(temp, path);
          }
          return { key, sha256, size: bytes.byteLength, created: !exists };
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
    exists: (customerId, key) =>
      Effect.promise(() =>
        stat(join(root, customerId, key)).then(
          () => true,
          () => false,
        ),
      ),
  });
};
