import { Effect } from 'effect';
import type { AwsError } from '../aws-errors.js';

/**
 * What `npx projen preflight` prints: one row per check, with what was found
 * and, for a failure, the command or step that fixes it. Any failure makes
 * the run exit 1, so `deploy` stops before it changes anything.
 */
export type PreflightStatus = 'pass' | 'fail' | 'skip';

export interface PreflightRow {
  /** Stable check id, e.g. `scp-policy-type`, `cdk-bootstrap`. */
  readonly check: string;
  /** Where it was checked: `organization`, or `<account>/<region>`. */
  readonly target: string;
  readonly status: PreflightStatus;
  /** What was found (and what was needed). */
  readonly detail: string;
  /** How to fix a failure: an exact command where there is one. */
  readonly fix?: string;
}

export const pass = (check: string, target: string, detail: string): PreflightRow => ({
  check,
  target,
  status: 'pass',
  detail,
});
export const fail = (check: string, target: string, detail: string, fix: string): PreflightRow => ({
  check,
  target,
  status: 'fail',
  detail,
  fix,
});
/**
 * What a check answers when it could not read what it checks (for
 * `Effect.catch`): it fails, never passes in silence, with the AWS error and
 * the fix (most often the credentials it needs, which may depend on the call
 * that failed).
 */
export const unreadable =
  (check: string, target: string, what: string, fix: string | ((error: AwsError) => string)) =>
  (error: AwsError): Effect.Effect<PreflightRow> =>
    Effect.succeed(
      fail(check, target, `could not read ${what}: ${error.message}`, typeof fix === 'string' ? fix : fix(error)),
    );
export const skip = (check: string, target: string, detail: string): PreflightRow => ({
  check,
  target,
  status: 'skip',
  detail,
});

export const preflightFailed = (rows: readonly PreflightRow[]): boolean => rows.some((r) => r.status === 'fail');

/** Exit code of the preflight: 1 on any failure, 0 otherwise. */
export const preflightExitCode = (rows: readonly PreflightRow[]): number => (preflightFailed(rows) ? 1 : 0);

const MARK: Record<PreflightStatus, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' };

/** A plain table: status, check, target, detail, and the fix under each failing row. */
export const formatPreflight = (rows: readonly PreflightRow[]): string => {
  const checkWidth = Math.max(5, ...rows.map((r) => r.check.length));
  const targetWidth = Math.max(6, ...rows.map((r) => r.target.length));
  const lines = [`${'STATUS'}  ${'CHECK'.padEnd(checkWidth)}  ${'TARGET'.padEnd(targetWidth)}  DETAIL`];
  for (const row of rows) {
    lines.push(
      `${MARK[row.status].padEnd(6)}  ${row.check.padEnd(checkWidth)}  ${row.target.padEnd(targetWidth)}  ${row.detail.replace(/\s*\n\s*/g, ' ')}`,
    );
    if (row.status === 'fail' && row.fix) lines.push(`${' '.repeat(8)}fix: ${row.fix}`);
  }
  const failed = rows.filter((r) => r.status === 'fail').length;
  lines.push(
    failed === 0
      ? `preflight passed: ${rows.length} checks`
      : `preflight FAILED: ${failed} of ${rows.length} checks (fix them, then run npx projen preflight again)`,
  );
  return lines.join('\n');
};
