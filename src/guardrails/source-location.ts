import { relative } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** A place in the repository's source: where a construct was created or a finding acknowledged. */
export interface SourceLocation {
  /** Repository-relative path, forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

const FRAME = /\(?((?:[A-Za-z]:)?\/[^():]+|[^():\s]+\.[cm]?[jt]s):(\d+):(\d+)\)?\s*$/;

/**
 * The first frame of a CDK metadata trace that lies in the repository and
 * outside node_modules: the user's line of code. Undefined when traces are off.
 */
export const firstRepositoryFrame = (trace: readonly string[] | undefined): SourceLocation | undefined => {
  for (const frame of trace ?? []) {
    const match = FRAME.exec(frame.trim());
    if (!match) continue;
    const [, path, line, column] = match as unknown as [string, string, string, string];
    if (path.includes('node_modules')) continue;
    const file = relative(REPO_ROOT, path.replace(/^file:\/\//, ''))
      .split('\\')
      .join('/');
    if (file.startsWith('..')) continue;
    return { file, line: Number(line), column: Number(column) };
  }
  return undefined;
};

export const formatLocation = (location: SourceLocation | undefined): string =>
  location ? `${location.file}:${location.line}` : '(source location not recorded)';
