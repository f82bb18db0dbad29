import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The folders one thread has already created (a backfill writes thousands of objects into 256 of them). */
export type MadeFolders = Set<string>;

/** A temporary name beside `path`, unique to this process and call. */
export const temporaryPathFor = (path: string): string =>
  `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;

/**
 * Writes `bytes` under `path` unless a file is there already, through a
 * temporary name, so a crash never leaves a half-written object under a real
 * key. Returns whether it wrote. Synchronous: for the small objects a backfill
 * writes by the thousand, each `fs/promises` call would be a thread-pool round
 * trip and a FileHandle, ~6× the CPU of the write itself.
 */
export const writeOnceSync = (path: string, bytes: Uint8Array, made: MadeFolders): boolean => {
  if (statSync(path, { throwIfNoEntry: false }) !== undefined) return false;
  const folder = dirname(path);
  try {
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    const temp = temporaryPathFor(path);
    writeFileSync(temp, bytes);
    renameSync(temp, path);
    return true;
  } catch (error) {
    made.delete(folder); // removed under us: the retry creates it again
    throw error;
  }
};

/**
 * `writeOnceSync` through the thread pool, for large objects (recordings) that
 * must never hold the event loop.
 */
export const writeOnce = async (path: string, bytes: Uint8Array): Promise<boolean> => {
  if (
    await stat(path).then(
      () => true,
      () => false,
    )
  )
    return false;
  await mkdir(dirname(path), { recursive: true });
  const temp = temporaryPathFor(path);
  await writeFile(temp, bytes);
  await rename(temp, path);
  return true;
};
