import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { startObjectWriter } from '../../../src/services/archive/object-writer.js';

const objects = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ name: `obj-${i}`, bytes: new TextEncoder().encode(`object ${i}`) }));

const filesUnder = (dir: string) =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

describe('the local archive writer thread', () => {
  it('writes a burst of puts once each, answers every put, and writes nothing twice', async () => {
    const root = mkdtempSync(join(tmpdir(), 'object-writer-'));
    const writer = startObjectWriter();
    const batch = objects(50);
    const path = (name: string) => join(root, name.slice(-1), name);
    const first = await Promise.all(batch.map((o) => writer.write(path(o.name), o.bytes)));
    const again = await Promise.all(batch.map((o) => writer.write(path(o.name), new TextEncoder().encode('other'))));
    expect(first.every((created) => created)).toBe(true);
    expect(writer.threaded()).toBe(true); // written by the writer thread, not by the fallback
    expect(again.some((created) => created)).toBe(false);
    expect(filesUnder(root)).toEqual(batch.map((o) => o.name).sort());
    expect(readFileSync(path('obj-7'), 'utf8')).toBe('object 7'); // write-once: the second bytes never landed
  });

  it('a write it cannot do fails that put only, with the reason', async () => {
    const root = mkdtempSync(join(tmpdir(), 'object-writer-'));
    const writer = startObjectWriter();
    const [ok, refused] = await Promise.allSettled([
      writer.write(join(root, 'a', 'fine'), new Uint8Array([1])),
      writer.write(join(root, 'a', 'fine', 'under-a-file'), new Uint8Array([2])),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: true });
    expect(refused.status).toBe('rejected');
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/ENOTDIR|EEXIST/);
  });

  it('when its thread dies mid-batch, the batch is written on the calling thread: nothing is lost', async () => {
    const root = mkdtempSync(join(tmpdir(), 'object-writer-'));
    const dying = () =>
      new Worker("require('node:worker_threads').parentPort.on('message', () => process.exit(3))", { eval: true });
    const writer = startObjectWriter(dying);
    const batch = objects(20);
    const created = await Promise.all(batch.map((o) => writer.write(join(root, o.name), o.bytes)));
    expect(created.every((c) => c)).toBe(true);
    expect(writer.threaded()).toBe(false);
    expect(filesUnder(root)).toEqual(batch.map((o) => o.name).sort());
    // Later writes go straight to the calling thread.
    expect(await writer.write(join(root, 'later'), new Uint8Array([9]))).toBe(true);
    expect(readFileSync(join(root, 'later'))).toEqual(Buffer.from([9]));
  });

  it('when its thread cannot even start, the calling thread writes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'object-writer-'));
    const writer = startObjectWriter(() => {
      throw new Error('no threads here');
    });
    expect(await writer.write(join(root, 'a'), new Uint8Array([1]))).toBe(true);
    expect(writer.threaded()).toBe(false);
    expect(readFileSync(join(root, 'a'))).toEqual(Buffer.from([1]));
  });
});
