import { rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Effect, Layer } from 'effect';
import { Transient } from '../pipeline/errors.js';
import { ArchiveObjectRetention } from './object-retention.js';

const present = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/**
 * Object holds and disposal in the embedded archive (files under
 * `<root>/<customer>/<key>`, src/services/archive/local.ts): a hold is a
 * `<key>.legal-hold` marker beside the object; disposal removes the file at
 * once (there is no lifecycle on disk) unless a marker holds it.
 */
export const localObjectRetentionLayer = (root: string): Layer.Layer<ArchiveObjectRetention> => {
  const path = (customerId: string, key: string) => join(root, customerId, key);
  const attempt = <A>(detail: string, run: () => Promise<A>) =>
    Effect.tryPromise({
      try: run,
      catch: (cause) => new Transient({ source: 'archive', detail: `${detail}: ${String(cause)}` }),
    });
  return Layer.succeed(ArchiveObjectRetention, {
    hold: (customerId, keys) =>
      attempt('holding local archive objects', async () => {
        for (const key of keys) await writeFile(`${path(customerId, key)}.legal-hold`, '');
        return { done: [...keys].sort(), refused: [] };
      }),
    release: (customerId, keys) =>
      attempt('releasing local archive objects', async () => {
        for (const key of keys) await rm(`${path(customerId, key)}.legal-hold`, { force: true });
        return { done: [...keys].sort(), refused: [] };
      }),
    dispose: (customerId, keys) =>
      attempt('disposing of local archive objects', async () => {
        const done: string[] = [];
        const refused: { key: string; reason: string }[] = [];
        for (const key of keys) {
          if (await present(`${path(customerId, key)}.legal-hold`)) {
            refused.push({ key, reason: 'the object carries a legal hold marker' });
            continue;
          }
          await rm(path(customerId, key), { force: true });
          done.push(key);
        }
        return { done: done.sort(), refused };
      }),
  });
};
