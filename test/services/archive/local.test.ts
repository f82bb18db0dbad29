import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect } from 'effect';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveStore, archiveKeyFor, sha256Hex } from '../../../src/services/archive/archive-store.js';
import { localArchiveStoreLayer } from '../../../src/services/archive/local.js';

const root = mkdtempSync(join(tmpdir(), 'local-archive-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const withArchive = <A, E>(f: (archive: ArchiveStore['Service']) => Effect.Effect<A, E>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      return yield* f(yield* ArchiveStore);
    }).pipe(Effect.provide(localArchiveStoreLayer(root))),
  );

describe('local (files on disk) archive store', () => {
  it('writes content once under its hash, in a folder per customer, and reads it back', async () => {
    const bytes = new TextEncoder().encode('Subject: local\r\n\r\nbody\r\n');
    const [first, second, back] = await withArchive((archive) =>
      Effect.gen(function* () {
        const a = yield* archive.put('customer-a', bytes, 'message/rfc822');
        const b = yield* archive.put('customer-a', bytes, 'message/rfc822');
        return [a, b, yield* archive.get('customer-a', a.key)] as const;
      }),
    );
    expect(first).toMatchObject({ key: archiveKeyFor(sha256Hex(bytes)), created: true });
    expect(second.created).toBe(false);
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    const files = readdirSync(join(root, 'customer-a'), { recursive: true, withFileTypes: true }).filter((e) =>
      e.isFile(),
    );
    expect(files.map((f) => f.name)).toEqual([sha256Hex(bytes)]);
  });

  it('writes large objects (recordings) the same way: once, whole, under their hash, no temporary file left', async () => {
    const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251);
    const [first, second, back] = await withArchive((archive) =>
      Effect.gen(function* () {
        const a = yield* archive.put('customer-large', bytes, 'audio/wav');
        const b = yield* archive.put('customer-large', bytes, 'audio/wav');
        return [a, b, yield* archive.get('customer-large', a.key)] as const;
      }),
    );
    expect(first).toMatchObject({ key: archiveKeyFor(sha256Hex(bytes)), created: true, size: bytes.byteLength });
    expect(second.created).toBe(false);
    expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    const files = readdirSync(join(root, 'customer-large'), { recursive: true, withFileTypes: true });
    expect(files.filter((f) => f.isFile()).map((f) => f.name)).toEqual([sha256Hex(bytes)]);
  });

  it("keeps customers apart: one customer's key does not open another's object", async () => {
    const bytes = new TextEncoder().encode('only for customer b');
    const result = await withArchive((archive) =>
      Effect.gen(function* () {
        const stored = yield* archive.put('customer-b', bytes, 'text/plain');
        return {
          own: yield* archive.exists('customer-b', stored.key),
          other: yield* archive.exists('customer-a', stored.key),
          read: yield* Effect.exit(archive.get('customer-a', stored.key)),
        };
      }),
    );
    expect(result.own).toBe(true);
    expect(result.other).toBe(false);
    expect(JSON.stringify(result.read)).toContain('no such object');
  });
});
