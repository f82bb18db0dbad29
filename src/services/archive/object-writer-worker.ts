import { parentPort } from 'node:worker_threads';
import { type MadeFolders, writeOnceSync } from './write-once.js';

/**
 * The local archive's writer thread (`object-writer.ts`): writes each batch
 * of objects it is sent with the same `writeOnceSync` as the main thread, in
 * order, and answers once per batch. Creating files is kernel work (tens to
 * hundreds of µs per file on ext4); here it runs beside the pipeline instead
 * of on its thread.
 */
interface Batch {
  readonly id: number;
  readonly writes: readonly { readonly path: string; readonly bytes: Uint8Array }[];
}

const made: MadeFolders = new Set();

parentPort?.on('message', (batch: Batch) => {
  const results = batch.writes.map(({ path, bytes }) => {
    try {
      return { created: writeOnceSync(path, bytes, made) };
    } catch (error) {
      return { error: String(error) };
    }
  });
  parentPort?.postMessage({ id: batch.id, results });
});
