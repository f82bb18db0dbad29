import { Duplex } from 'node:stream';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80_877_103;
const TERMINATE = 0x58; // 'X'

/**
 * An in-process socket to PGlite for `PgClient`'s `stream` option: frames the
 * frontend's wire-protocol messages and feeds them, in order, to
 * `execProtocolRaw`, which answers with backend messages.
 *
 * Why not pglite-socket or @effect/sql-pglite: PGlite is ONE session, and the
 * socket server multiplexes many connections into it (shared SET state, most
 * concurrent transactions fail); @effect/sql-pglite does not load with
 * effect 4.1. One PgClient connection over this stream is a faithful single
 * session: transactions pin it, concurrent fibers queue for it.
 */
export const pgliteStream = (pglite: PGlite): Duplex => {
  let pending: Buffer = Buffer.alloc(0);
  let started = false;
  let queue: Promise<void> = Promise.resolve();
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (const message of takeMessages()) {
        queue = queue.then(() => deliver(message));
      }
      callback();
    },
    final(callback) {
      queue.then(() => callback(), callback);
    },
  });

  /** Complete messages at the front of `pending`; the startup packet has no type byte. */
  const takeMessages = (): Buffer[] => {
    const messages: Buffer[] = [];
    for (;;) {
      const headerLength = started ? 5 : 4;
      if (pending.length < headerLength) break;
      const size = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0);
      if (pending.length < size) break;
      const message = pending.subarray(0, size);
      pending = pending.subarray(size);
      if (!started && message.length >= 8 && message.readInt32BE(4) === SSL_REQUEST) {
        // No TLS in-process: answer 'N' and wait for the real startup packet.
        messages.push(Buffer.from('N'));
        continue;
      }
      started = true;
      messages.push(message);
    }
    return messages;
  };

  const deliver = async (message: Buffer): Promise<void> => {
    if (stream.destroyed) return;
    if (message.length === 1 && message[0] === 0x4e) {
      stream.push(message);
      return;
    }
    if (message[0] === TERMINATE && started) {
      stream.push(null);
      return;
    }
    try {
      const reply = await pglite.execProtocolRaw(new Uint8Array(message.buffer, message.byteOffset, message.length));
      if (reply.length > 0 && !stream.destroyed) stream.push(Buffer.from(reply));
    } catch (error) {
      stream.destroy(error as Error);
    }
  };

  return stream;
};
