import { Worker } from 'node:worker_threads';
import { workerModule } from '../../../common/worker-module.js';
import type { Communication } from '../../pipeline/communication.js';
import { type EmailHints, type NotAnEmail, parseEmail } from './mime.js';

/**
 * MIME parsing on worker threads, so a backfill uses every core: the main
 * thread reads, hashes, archives and writes to the database while the pool
 * parses. Same function, same result as `parseEmail` on the main thread;
 * when a worker cannot start or dies, its messages are parsed on the main
 * thread instead (slower, never lost). Workers hold the process open only
 * while they have work.
 */
export interface EmailParsePool {
  readonly size: number;
  readonly parse: (raw: Uint8Array, hints: EmailHints) => Promise<Communication | NotAnEmail>;
  readonly close: () => Promise<void>;
}

interface Slot {
  worker: Worker | undefined;
  readonly waiting: Map<number, { resolve: (value: Communication | NotAnEmail) => void; reject: (e: Error) => void }>;
}

export const startEmailParsePool = (size: number): EmailParsePool => {
  let nextId = 0;
  let closed = false;
  const slots: Slot[] = Array.from({ length: Math.max(0, size) }, () => ({ worker: undefined, waiting: new Map() }));

  const fail = (slot: Slot, error: Error) => {
    slot.worker = undefined;
    for (const pending of slot.waiting.values()) pending.reject(error);
    slot.waiting.clear();
  };

  const start = (slot: Slot): Worker => {
    const { url, execArgv } = workerModule('./parse-worker', import.meta.url);
    const worker = new Worker(url, { execArgv });
    worker.unref();
    worker.on('message', (message: { id: number; result?: Communication | NotAnEmail; error?: string }) => {
      const pending = slot.waiting.get(message.id);
      if (!pending) return;
      slot.waiting.delete(message.id);
      if (slot.waiting.size === 0) worker.unref();
      if (message.error !== undefined) pending.reject(new Error(message.error));
      else pending.resolve(message.result as Communication | NotAnEmail);
    });
    worker.on('error', (error) => fail(slot, error));
    worker.on('exit', (code) => {
      if (slot.worker === worker) fail(slot, new Error(`email parse worker exited with code ${code}`));
    });
    slot.worker = worker;
    return worker;
  };

  const onWorker = (raw: Uint8Array, hints: EmailHints) => {
    // The least busy thread takes the message.
    const slot = slots.reduce((best, s) => (s.waiting.size < best.waiting.size ? s : best));
    const worker = slot.worker ?? start(slot);
    const id = nextId++;
    return new Promise<Communication | NotAnEmail>((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, raw, hints });
    });
  };

  return {
    size: slots.length,
    parse: (raw, hints) =>
      slots.length === 0 || closed ? parseEmail(raw, hints) : onWorker(raw, hints).catch(() => parseEmail(raw, hints)),
    close: async () => {
      closed = true;
      await Promise.all(slots.map((s) => s.worker?.terminate()));
    },
  };
};

/** One pool per size for the whole process: worker start-up (loading the parser) is paid once, not per job. */
const shared = new Map<number, EmailParsePool>();
export const sharedEmailParsePool = (size: number): EmailParsePool => {
  let pool = shared.get(size);
  if (!pool) {
    pool = startEmailParsePool(size);
    shared.set(size, pool);
  }
  return pool;
};
