import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';

/**
 * Writes into folders that CDK stages as assets (a Lambda's code folder, an
 * image's `dist/`). Tests synthesize in parallel processes, and CDK copies an
 * asset by listing its folder and then copying each file: a temporary file
 * that appears in the folder and is renamed away in between fails that copy
 * (ENOENT). So nothing temporary is ever written inside an asset folder, and
 * a folder that already holds the right bytes is not written at all.
 */

/**
 * A temporary path in `folder`'s parent, so outside `folder`, unique to this process and call. For an image
 * that parent is the build context, whose .dockerignore (`*`, then `!dist/`) keeps the file out of the asset.
 */
const besideFolder = (folder: string, name: string) =>
  join(dirname(folder), `.${basename(folder)}-${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);

/** Writes `file` whole or not at all (a rename), and not at all when it already holds these bytes. */
export const writeAtomically = (file: string, contents: Uint8Array | string) => {
  const bytes = typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents;
  if (existsSync(file) && readFileSync(file).equals(bytes)) return;
  const folder = dirname(file);
  mkdirSync(folder, { recursive: true });
  const temporary = besideFolder(folder, basename(file));
  writeFileSync(temporary, bytes);
  renameSync(temporary, file);
};

/** Every file under `folder` (relative path → bytes), or undefined when there is no such folder. */
const filesUnder = (folder: string): Map<string, Buffer> | undefined => {
  if (!existsSync(folder)) return undefined;
  const entries = readdirSync(folder, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
  return new Map(
    entries.map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return [relative(folder, path), readFileSync(path)];
    }),
  );
};

const sameFiles = (a: Map<string, Buffer> | undefined, b: Map<string, Buffer> | undefined): boolean =>
  a !== undefined &&
  b !== undefined &&
  a.size === b.size &&
  [...a].every(([path, bytes]) => b.get(path)?.equals(bytes) === true);

/**
 * Makes `target` a copy of `source`, leaving it untouched when it already is
 * one (the usual case: every synth of a test run copies the same folder). A
 * changed copy is assembled beside the asset folder and renamed in, so a synth
 * in another process never stages half a copy.
 */
export const copyFolderInto = (source: string, target: string) => {
  if (sameFiles(filesUnder(source), filesUnder(target))) return;
  const staging = besideFolder(dirname(target), basename(target));
  cpSync(source, staging, { recursive: true });
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  renameSync(staging, target);
};
