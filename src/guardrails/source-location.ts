import { relative } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** A place in the repository's source: where a construct was created or a finding acknowledged. */
export interface SourceLocation {
  /** Repository-relative path, forward slashes. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** The caller's frame, when the first frame is a helper (an `acknowledge(...)` wrapper, a construct). */
  readonly calledFrom?: SourceLocation;
}

const FRAME = /\(?((?:[A-Za-z]:)?\/[^():]+|[^():\s]+\.[cm]?[jt]s):(\d+):(\d+)\)?\s*$/;

/** Every frame of a CDK metadata trace that lies in the repository (outside node_modules), innermost first. */
export const repositoryFrames = (trace: readonly string[] | undefined): SourceLocation[] =>
  (trace ?? []).flatMap((frame) => {
    const match = FRAME.exec(frame.trim());
    if (!match) return [];
    const [, path, line, column] = match as unknown as [string, string, string, string];
    if (path.includes('node_modules')) return [];
    const file = relative(REPO_ROOT, path.replace(/^file:\/\//, ''))
      .split('\\')
      .join('/');
    if (file.startsWith('..')) return [];
    return [{ file, line: Number(line), column: Number(column) }];
  });

/** The first frame of a CDK metadata trace in the repository: the user's line of code. Undefined when traces are off. */
export const firstRepositoryFrame = (trace: readonly string[] | undefined): SourceLocation | undefined =>
  repositoryFrames(trace)[0];

export const formatLocation = (location: SourceLocation | undefined): string =>
  location
    ? `${location.file}:${location.line}${location.calledFrom ? ` (called from ${location.calledFrom.file}:${location.calledFrom.line})` : ''}`
    : '(source location not recorded)';
