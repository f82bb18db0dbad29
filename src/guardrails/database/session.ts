/** The little the database checks need from a connection: run one statement, get rows or a PostgreSQL error. */
export interface SqlSession {
  query<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A PostgreSQL error as the checks read it: SQLSTATE and message. */
export interface PostgresFailure {
  readonly code: string;
  readonly message: string;
}

/** The SQLSTATE and message of a thrown database error (PGlite and node drivers carry `code`). */
export const postgresFailure = (error: unknown): PostgresFailure => {
  const e = error as { code?: unknown; message?: unknown };
  return {
    code: typeof e?.code === 'string' ? e.code : 'unknown',
    message: typeof e?.message === 'string' ? e.message : String(error),
  };
};

/** Runs `statement` and returns its error, or undefined when it succeeded. */
export const failureOf = async (run: () => Promise<unknown>): Promise<PostgresFailure | undefined> => {
  try {
    await run();
    return undefined;
  } catch (error) {
    return postgresFailure(error);
  }
};
