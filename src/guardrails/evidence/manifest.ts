import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** The manifest's file name, in `sha256sum` format: `<hex>  <path>` per line. */
export const MANIFEST_FILE = 'SHA256SUMS';
/** The manifest's signature (written by `--sign-with-kms`): not listed in the manifest it signs. */
export const SIGNATURE_FILE = 'SHA256SUMS.sig.json';

const NOT_LISTED = new Set([MANIFEST_FILE, SIGNATURE_FILE]);

const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** Every regular file under `dir` (recursively), as `/`-separated relative paths, sorted bytewise. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => !NOT_LISTED.has(path))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

/**
 * The manifest text for every file of a report folder: one `<sha256>  <path>`
 * line per file (two spaces: GNU sha256sum's text mode), sorted by path, so
 * `sha256sum -c SHA256SUMS` inside the folder verifies it. Same files, same bytes.
 */
export const manifestOf = (dir: string): string =>
  filesUnder(dir)
    .map((path) => `${sha256(readFileSync(join(dir, path)))}  ${path}\n`)
    .join('');

/** Writes `SHA256SUMS` over every file of the folder; returns its text. */
export const writeManifest = (dir: string): string => {
  const text = manifestOf(dir);
  writeFileSync(join(dir, MANIFEST_FILE), text);
  return text;
};

/** A file whose bytes, presence or listing disagree with the manifest. */
export interface ManifestProblem {
  readonly file: string;
  readonly problem: 'modified' | 'missing' | 'not listed' | 'malformed line';
}

/** Parses a manifest; a line that is not `<64 hex>  <path>` is reported, never skipped. */
const parseManifest = (text: string): { entries: Map<string, string>; problems: ManifestProblem[] } => {
  const entries = new Map<string, string>();
  const problems: ManifestProblem[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match?.[1] || !match[2] || match[2].includes('..')) {
      problems.push({ file: `${MANIFEST_FILE} line ${index + 1}`, problem: 'malformed line' });
      continue;
    }
    entries.set(match[2], match[1]);
  }
  return { entries, problems };
};

/** Thrown when a folder has no manifest to verify. */
export class ManifestMissing extends Error {
  constructor(readonly dir: string) {
    super(`${join(dir, MANIFEST_FILE)} does not exist: not a compliance report folder, or written before manifests`);
    this.name = 'ManifestMissing';
  }
}

/**
 * Checks a report folder against its manifest: every listed file present with
 * the listed SHA-256, and no file the manifest does not list (an added file
 * is tampering too). The manifest's own signature is checked separately.
 */
export const verifyManifest = (dir: string): { manifest: Buffer; problems: ManifestProblem[]; checked: number } => {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new ManifestMissing(dir);
  const manifest = readFileSync(path);
  const { entries, problems } = parseManifest(manifest.toString('utf8'));
  for (const [file, expected] of entries) {
    const full = join(dir, file);
    if (!existsSync(full)) problems.push({ file, problem: 'missing' });
    else if (sha256(readFileSync(full)) !== expected) problems.push({ file, problem: 'modified' });
  }
  for (const file of filesUnder(dir)) if (!entries.has(file)) problems.push({ file, problem: 'not listed' });
  return { manifest, problems, checked: entries.size };
};
