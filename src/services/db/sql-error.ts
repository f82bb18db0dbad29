import type { SqlError } from 'effect/sql/SqlError';

/** PostgreSQL's own message and SQLSTATE behind a SqlError (its `reason.message` is only "Query failed"). */
export const postgresDetails = (error: unknown): { message: string; code: string | undefined } => {
  const reason = (error as Partial<SqlError> | undefined)?.reason;
  const cause = reason?.cause as { message?: unknown; code?: unknown } | undefined;
  const message =
    typeof cause?.message === 'string' && cause.message !== ''
      ? cause.message
      : (reason?.message ?? (error instanceof Error ? error.message : String(error)));
  return { message, code: typeof cause?.code === 'string' ? cause.code : undefined };
};
