import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Effect } from 'effect';

/** One side of an archive move (the pooled bucket, the customer's own bucket), addressed by object key. */
export interface ArchiveSide {
  /** For messages and the plan. */
  readonly describe: string;
  /** Every key under `prefix`, sorted. */
  readonly list: (prefix: string) => Effect.Effect<readonly string[], Error>;
  readonly read: (key: string) => Effect.Effect<Uint8Array, Error>;
  /** Writes the object unless the key exists; true when it wrote. */
  readonly writeIfAbsent: (key: string, bytes: Uint8Array) => Effect.Effect<boolean, Error>;
  readonly remove: (key: string) => Effect.Effect<void, Error>;
}

const attempt = <A>(what: string, run: () => Promise<A>): Effect.Effect<A, Error> =>
  Effect.tryPromise({ try: run, catch: (cause) => new Error(`${what}: ${String(cause)}`) });

/** An archive in a local folder (the embedded archive layout; tests and local runs). */
export const localArchiveSide = (root: string): ArchiveSide => {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const nested = await Promise.all(
      entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]))),
    );
    return nested.flat();
  };
  return {
    describe: `local folder ${root}`,
    list: (prefix) =>
      attempt(`listing ${root}/${prefix}`, async () =>
        (await walk(join(root, prefix)))
          .filter((path) => !path.endsWith('.tmp'))
          .map((path) => relative(root, path).split(sep).join('/'))
          .sort(),
      ),
    read: (key) => attempt(`reading ${key}`, async () => new Uint8Array(await readFile(join(root, key)))),
    writeIfAbsent: (key, bytes) =>
      attempt(`writing ${key}`, async () => {
        const path = join(root, key);
        if (
          await stat(path).then(
            () => true,
            () => false,
          )
        )
          return false;
        await mkdir(dirname(path), { recursive: true });
        const temp = `${path}.${process.pid}.tmp`;
        await writeFile(temp, bytes);
        await rename(temp, path);
        return true;
      }),
    remove: (key) => attempt(`removing ${key}`, () => rm(join(root, key), { force: true })),
  };
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Count and sha256 over (key, content hash) pairs, keys relative to the customer's root on each side. */
export const digestArchive = (side: ArchiveSide, prefix: string) =>
  Effect.gen(function* () {
    const keys = yield* side.list(prefix);
    const hash = createHash('sha256');
    for (const key of keys) {
      const bytes = yield* side.read(key);
      hash.update(key.slice(prefix.length)).update(' ').update(sha256(bytes)).update('\n');
    }
    return { count: keys.length, sha256: hash.digest('hex') };
  });
