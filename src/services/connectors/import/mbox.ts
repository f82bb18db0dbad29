import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

const require = createRequire(import.meta.url);
const { MboxStream } = require('node-mbox') as { MboxStream: (input: Readable) => Readable };

/**
 * The messages of an mbox file, one Buffer each, read as a stream (mailboxes
 * run to gigabytes). node-mbox splits on the `From ` postmark lines; its
 * output is a byte stream, so messages are taken from 'data' events (flowing
 * mode keeps one event per message) with pause/resume for back-pressure.
 * Rejects with `NOT_AN_MBOX_FILE` when the file does not start with a postmark.
 */
export async function* mboxMessages(path: string): AsyncGenerator<Buffer> {
  const stream = MboxStream(createReadStream(path));
  const queue: Buffer[] = [];
  let finished = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (message: Buffer) => {
    queue.push(message);
    if (queue.length >= 64) stream.pause();
    notify();
  });
  stream.on('end', () => {
    finished = true;
    notify();
  });
  stream.on('error', (error: Error) => {
    failure = error;
    finished = true;
    notify();
  });
  try {
    while (true) {
      const next = queue.shift();
      if (next) {
        if (queue.length < 16 && stream.isPaused()) stream.resume();
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stream.destroy();
  }
}
