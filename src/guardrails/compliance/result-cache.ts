import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * Check results stored by content: each entry's key is the SHA-256 of
 * everything that could change its outcome (the template, the rule files,
 * the tool versions, the migrations, the checking code), so an entry can
 * never answer for inputs it was not computed from. Entries are files
 * (`<dir>/<layer>/<key>.json`), written atomically, so shards running apart
 * fill the same kind of folder and `compliance:merge` joins them by copying.
 */
export interface ResultCache {
  /** The stored value, or undefined (a miss, or reading turned off). */
  get<T>(layer: string, key: string): T | undefined;
  put(layer: string, key: string, value: unknown): void;
  /** Hits and misses per layer, for the run's summary line and the tests. */
  readonly stats: ReadonlyMap<string, { hits: number; misses: number }>;
}

export interface ResultCacheOptions {
  /** Answer from stored entries; false (`--no-cache`) runs every check and stores what it finds. @default true */
  readonly read?: boolean;
}

/** The cache folder the CLI uses unless COMPLIANCE_CACHE_DIR names another. */
export const DEFAULT_RESULT_CACHE_DIR = '.compliance-cache';

export const openResultCache = (dir: string, options: ResultCacheOptions = {}): ResultCache => {
  const read = options.read ?? true;
  const stats = new Map<string, { hits: number; misses: number }>();
  const tally = (layer: string) => {
    const entry = stats.get(layer) ?? { hits: 0, misses: 0 };
    stats.set(layer, entry);
    return entry;
  };
  const file = (layer: string, key: string) => join(dir, layer, `${key}.json`);
  return {
    stats,
    get<T>(layer: string, key: string): T | undefined {
      const path = file(layer, key);
      if (read && existsSync(path)) {
        try {
          const value = JSON.parse(readFileSync(path, 'utf8')) as T;
          tally(layer).hits++;
          return value;
        } catch {
          // A torn or foreign file is a miss: the check runs and the entry is rewritten.
        }
      }
      tally(layer).misses++;
      return undefined;
    },
    put(layer: string, key: string, value: unknown): void {
      const path = file(layer, key);
      mkdirSync(join(dir, layer), { recursive: true });
      const temporary = `${path}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(value));
      renameSync(temporary, path);
    },
  };
};

/** Copies every entry of the `from` folders (shards' caches) into `into`; returns how many were copied. */
export const mergeResultCaches = (into: string, from: readonly string[]): number => {
  let copied = 0;
  for (const dir of from) {
    if (!existsSync(dir)) throw new Error(`${dir}: no such result cache folder`);
    for (const layer of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      mkdirSync(join(into, layer.name), { recursive: true });
      for (const entry of readdirSync(join(dir, layer.name)).filter((n) => n.endsWith('.json'))) {
        copyFileSync(join(dir, layer.name, entry), join(into, layer.name, entry));
        copied++;
      }
    }
  }
  return copied;
};

/** A cache that stores nothing and answers nothing (the library's default: tests and callers opt in). */
export const NO_RESULT_CACHE: ResultCache = { stats: new Map(), get: () => undefined, put: () => {} };

/** SHA-256 of the parts, each length-prefixed so that ('ab','c') and ('a','bc') differ. */
export const digest = (...parts: readonly (string | Buffer)[]): string => {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    hash.update(`${bytes.length}:`);
    hash.update(bytes);
  }
  return hash.digest('hex');
};

/** SHA-256 of a file's bytes (read each time: a file rewritten during the process must not answer with its old key). */
export const fileDigest = (path: string): string => (existsSync(path) ? digest(readFileSync(path)) : 'absent');

/** Every file under `dir` (sorted, relative paths with `/`) whose name passes `keep`. */
const filesUnder = (dir: string, keep: (name: string) => boolean): string[] => {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') walk(path);
      } else if (statSync(path).isFile() && keep(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out.sort();
};

/** SHA-256 over the names and contents of every file under the folders (missing folders count as empty). */
export const treeDigest = (dirs: readonly string[], keep: (name: string) => boolean = () => true): string =>
  digest(
    ...dirs.flatMap((dir) =>
      filesUnder(dir, keep).flatMap((path) => [relative(dir, path).split(sep).join('/'), fileDigest(path)]),
    ),
  );
