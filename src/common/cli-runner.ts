import { Effect } from 'effect';

/**
 * Runs a CLI program: its exit code on success, 2 with the typed error's
 * message on failure (no stack trace: the message says what to do).
 */
export const runCli = (program: Effect.Effect<number, { readonly message: string }>): void => {
  Effect.runPromise(
    program.pipe(
      Effect.catch((error) =>
        Effect.sync(() => {
          console.error(`error: ${error.message}`);
          return 2;
        }),
      ),
    ),
  ).then(
    (code) => {
      process.exitCode = code;
    },
    (defect: unknown) => {
      console.error(defect);
      process.exitCode = 2;
    },
  );
};

/** The blueprint folder the CLIs read (same default as the CDK app). */
export const blueprintDir = (): string => process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint';
