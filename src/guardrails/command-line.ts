/** What the guardrails' command lines (`npx projen compliance`, `npx projen rehearse`) share. */

/** The value after `--name`, or `--name=value`. */
export const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  if (index >= 0) return process.argv[index + 1];
  return process.argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};

/** An error class a command line expects: bad input or a missing tool, which its message names. */
type ExpectedError = abstract new (...args: never[]) => Error;

/**
 * How a command line ends on an error: one of the `expected` classes prints
 * its message alone and sets `exitCode`; anything else is rethrown, stack and all.
 */
export const exitOnExpected = (error: unknown, expected: readonly ExpectedError[], exitCode: number): void => {
  if (!(error instanceof Error) || !expected.some((type) => error instanceof type)) throw error;
  console.error(error.message);
  process.exitCode = exitCode;
};
