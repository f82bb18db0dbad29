import { Worker } from 'node:worker_threads';
import { workerModule } from '../../common/worker-module.js';
import { type MadeFolders, writeOnceSync } from './write-once.js';

type WriteResult = { readonly created: boolean } | { readonly error: string };

interface Pending {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly resolve: (created: boolean) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Writes small archive objects once (`writeOnceSync`) on a thread of their
 * own: the puts of one turn of the event loop (a page archives its items 16 at
 * a time) go to the writer as one message, and each resolves when its file is
 * renamed into place, so nothing is acknowledged before it is on disk. When
 * the thread cannot start or dies, the writes run on the calling thread
 * instead (slower, never lost). The thread holds the process open only while
 * it has work.
 */
export interface ObjectWriter {
  /** Whether it wrote (false: a file already holds `path`). */
  readonly write: (path: string, bytes: Uint8Array) => Promise<boolean>;
  /** Whether writes go to the writer thread (false before the first write and after the thread failed). */
  readonly threaded: () => boolean;
}

/** The writer thread: `object-writer-worker.ts` beside this module. */
const writerThread = (): Worker => {
  const { url, execArgv } = workerModule('./object-writer-worker', import.meta.url);
  return new Worker(url, { execArgv });
};

/** @param thread starts the writer thread (tests start one that dies) */
export const startObjectWriter = (thread: () => Worker = writerThread): ObjectWriter => {
  const made: MadeFolders = new Set();
  const waiting = new Map<number, readonly Pending[]>();
  let queued: Pending[] = [];
  let worker: Worker | undefined;
  let broken = false;
  let nextId = 0;

  const onThisThread = (batch: readonly Pending[]) => {
    for (const p of batch) {
      try {
        p.resolve(writeOnceSync(p.path, p.bytes, made));
      } catch (error) {
        p.reject(error as Error);
      }
    }
  };

  const fail = () => {
    broken = true;
    worker = undefined;
    const batches = [...waiting.values()];
    waiting.clear();
    // What the thread may not have written is written here; a file it did write is found and not rewritten.
    for (const batch of batches) onThisThread(batch);
  };

  const start = (): Worker => {
    const started = thread();
    started.on('message', (message: { id: number; results: readonly WriteResult[] }) => {
      const batch = waiting.get(message.id);
      if (!batch) return;
      waiting.delete(message.id);
      if (waiting.size === 0) started.unref();
      batch.forEach((p, i) => {
        const result = message.results[i];
        if (result && 'created' in result) p.resolve(result.created);
        else p.reject(new Error(result?.error ?? 'the archive writer answered nothing for this object'));
      });
    });
    started.on('error', fail);
    started.on('exit', () => {
      if (worker === started) fail();
    });
    return started;
  };

  const flush = () => {
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    if (broken) return onThisThread(batch);
    try {
      worker ??= start();
    } catch {
      broken = true; // the thread cannot start here (e.g. a loader it cannot resolve): this thread writes
      return onThisThread(batch);
    }
    const id = nextId++;
    waiting.set(id, batch);
    worker.ref();
    worker.postMessage({ id, writes: batch.map(({ path, bytes }) => ({ path, bytes })) });
  };

  return {
    write: (path, bytes) =>
      new Promise((resolve, reject) => {
        if (queued.length === 0) setImmediate(flush);
        queued.push({ path, bytes, resolve, reject });
      }),
    threaded: () => !broken && worker !== undefined,
  };
};

let shared: ObjectWriter | undefined;
/** One writer thread for the process: its start-up is paid once, not per layer. */
export const sharedObjectWriter = (): ObjectWriter => {
  shared ??= startObjectWriter();
  return shared;
};
