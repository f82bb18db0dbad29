import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { cfnGuardBinary } from '../guard/cfn-guard-binary.js';

/** What produced a report: the source commit, the tools and the exact blueprint. Deterministic for unchanged inputs. */
export interface Provenance {
  /** `git rev-parse HEAD` of the checkout (else `GITHUB_SHA`), or null outside a repository. */
  readonly commit: string | null;
  /** True when tracked files differ from the commit (the report then describes uncommitted code). */
  readonly dirty: boolean | null;
  /** Versions of the tools that synthesized and checked the organization. */
  readonly tools: Readonly<Record<string, string>>;
  /** The blueprint folder, repository-relative. */
  readonly blueprintDir: string;
  /**
   * SHA-256 of the blueprint: of the `sha256sum` listing of its files, paths
   * `./`-relative in bytewise order. Recompute with
   * `(cd blueprint && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum`.
   */
  readonly blueprintSha256: string;
}

const require = createRequire(import.meta.url);
/** A package's version from its package.json, found above its entry point (some packages do not export package.json). */
const packageVersion = (pkg: string): string => {
  let dir = dirname(require.resolve(pkg));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === pkg && parsed.version) return parsed.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
};

const git = (args: string[]): string | null => {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

/** The blueprint hash as `sha256sum` computes it over the folder's listing (see `Provenance.blueprintSha256`). */
export const blueprintSha256 = (dir: string): string => {
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => `./${relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/')}`)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const listing = files
    .map(
      (path) =>
        `${createHash('sha256')
          .update(readFileSync(join(dir, path)))
          .digest('hex')}  ${path}\n`,
    )
    .join('');
  return createHash('sha256').update(listing).digest('hex');
};

const cfnGuardVersion = (): string => {
  try {
    return execFileSync(cfnGuardBinary(), ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^cfn-guard\s+/, '');
  } catch {
    return 'unavailable';
  }
};

/** Reads the provenance of a run over `blueprintDir` (git, package versions, the blueprint's bytes). */
export const readProvenance = (blueprintDir: string): Provenance => {
  const commit = git(['rev-parse', 'HEAD']) ?? process.env.GITHUB_SHA ?? null;
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    commit,
    dirty: status === null ? null : status !== '',
    tools: {
      node: process.version.replace(/^v/, ''),
      'aws-cdk-lib': packageVersion('aws-cdk-lib'),
      'cdk-nag': packageVersion('cdk-nag'),
      '@cdklabs/cdk-validator-cfnguard': packageVersion('@cdklabs/cdk-validator-cfnguard'),
      'cfn-guard': cfnGuardVersion(),
      '@electric-sql/pglite': packageVersion('@electric-sql/pglite'),
      projen: packageVersion('projen'),
    },
    blueprintDir: relative(process.cwd(), blueprintDir).split(sep).join('/') || '.',
    blueprintSha256: blueprintSha256(blueprintDir),
  };
};
