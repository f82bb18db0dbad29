import { type FSWatcher, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../src/common/asset-files.js';

/** Every name that appears in `folder` (and its subfolders) while it is watched: what a concurrent CDK copy could list. */
const watchNames = (folder: string) => {
  const seen = new Set<string>();
  const watcher = watch(folder, { recursive: true }, (_event, name) => {
    if (name) seen.add(String(name));
  });
  watchers.push(watcher);
  return async () => {
    await sleep(150); // inotify events arrive asynchronously
    watcher.close();
    return [...seen].sort();
  };
};
const watchers: FSWatcher[] = [];
afterEach(() => {
  for (const watcher of watchers.splice(0)) watcher.close();
});

describe('writes into asset folders that other processes may be staging', () => {
  it('writeAtomically never shows a temporary file inside the asset folder, and leaves identical bytes untouched', async () => {
    const asset = join(mkdtempSync(join(tmpdir(), 'asset-files-')), 'code');
    mkdirSync(asset);
    const file = join(asset, 'index.mjs');

    const names = watchNames(asset);
    writeAtomically(file, 'export const version = 1;\n');
    writeAtomically(file, 'export const version = 2;\n');
    expect(await names()).toEqual(['index.mjs']);
    expect(readFileSync(file, 'utf8')).toBe('export const version = 2;\n');
    expect(readdirSync(asset)).toEqual(['index.mjs']);

    const before = statSync(file).mtimeMs;
    const untouched = watchNames(asset);
    await sleep(20);
    writeAtomically(file, 'export const version = 2;\n');
    expect(await untouched()).toEqual([]);
    expect(statSync(file).mtimeMs).toBe(before);
  });
});
