import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes into folders that CDK stages as assets (a Lambda's code folder).
 * Tests synthesize in parallel processes, and CDK copies an asset by listing
 * its folder and then copying each file: a temporary file that appears in the
 * folder and is renamed away in between fails that copy (ENOENT). So nothing
 * temporary is ever written inside an asset folder, and a file that already
 * holds the right bytes is not written at all.
 */

/**
 * A temporary path in `folder`'s parent, so outside `folder`, unique to this process and call.
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
