import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Clock, Effect, Layer, Option, Semaphore } from 'effect';
import { CursorConflict, Transient } from '../pipeline/errors.js';
import { type CursorKey, type CursorRecord, CursorStore, cursorKeyString } from './cursor-store.js';

/**
 * The embedded cursor store: one JSON file of cursors on disk (local runs), or
 * memory only when no directory is given (tests). Same compare-and-set rule as
 * DynamoDB, enforced under a lock within the process.
 */
export const localCursorStoreLayer = (directory?: string): Layer.Layer<CursorStore> =>
  Layer.effect(
    CursorStore,
    Effect.gen(function* () {
      const lock = yield* Semaphore.make(1);
      const file = directory ? join(directory, 'cursors.json') : undefined;
      const cursors = new Map<string, CursorRecord>();
      if (file) {
        const text = yield* Effect.promise(() => readFile(file, 'utf8').catch(() => '{}'));
        for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, CursorRecord>)) cursors.set(k, v);
      }
      const persist = file
        ? Effect.tryPromise({
            try: async () => {
              await mkdir(directory as string, { recursive: true });
              await writeFile(`${file}.tmp`, JSON.stringify(Object.fromEntries(cursors), null, 2));
              await rename(`${file}.tmp`, file);
            },
            catch: (cause) => new Transient({ source: 'cursor', detail: `writing ${file}: ${String(cause)}` }),
          })
        : Effect.void;

      const get = Effect.fn('CursorStore.get')(function* (key: CursorKey) {
        return yield* Effect.sync(() => Option.fromNullishOr(cursors.get(cursorKeyString(key))));
      });

      // Compare-and-set under the lock: one advance at a time within the process.
      const advance = Effect.fn('CursorStore.advance')(function* (
        key: CursorKey,
        expectedVersion: number,
        value: string,
      ) {
        const k = cursorKeyString(key);
        const current = cursors.get(k)?.version ?? 0;
        if (current !== expectedVersion) return yield* new CursorConflict({ key: k, expectedVersion });
        const updatedAt = new Date(yield* Clock.currentTimeMillis).toISOString();
        const record: CursorRecord = { value, version: expectedVersion + 1, updatedAt };
        cursors.set(k, record);
        yield* persist;
        return record;
      }, lock.withPermits(1));

      return CursorStore.of({ get, advance });
    }),
  );
