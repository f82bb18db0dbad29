import { NodeRuntime } from '@effect/platform-node';
import { Config, Effect, Exit, Runtime } from 'effect';

/**
 * What a failed entry point prints: the typed error's message (it says what to do), never a stack trace.
 * A ConfigError's schema message spans lines (`Expected string⏎  at ["NAME"]`): joined, so it stays one line.
 */
const messageOf = (error: unknown): string =>
  error instanceof Config.ConfigError
    ? `configuration: ${error.cause.message.replace(/\s*\n\s*/g, ' ')}`
    : typeof error === 'object' && error !== null && 'message' in error
      ? String(error.message)
      : String(error);

/**
 * Runs the main program of a CLI or a worker, the one way every entry point
 * of the repository starts: SIGINT and SIGTERM interrupt it (its finalizers
 * run: a worker lets go of its messages, a CLI of its connections); a number
 * it returns is the exit code; a typed failure prints `error: <message>` and
 * exits 2; a defect is reported by Effect's runtime and exits 1.
 */
export const runEntryPoint = <E>(program: Effect.Effect<number | void, E>): void =>
  NodeRuntime.runMain(
    program.pipe(
      Effect.catch((error: E) =>
        Effect.sync(() => {
          console.error(`error: ${messageOf(error)}`);
          return 2;
        }),
      ),
    ),
    {
      teardown: (exit, onExit) =>
        Exit.isSuccess(exit) && typeof exit.value === 'number'
          ? onExit(exit.value)
          : Runtime.defaultTeardown(exit, onExit),
    },
  );

/** A CLI's main program: {@link runEntryPoint}, its result the exit code. */
export const runCli = (program: Effect.Effect<number, { readonly message: string }>): void => runEntryPoint(program);

/** The blueprint folder the CLIs read (same default as the CDK app). */
export const blueprintDir = (): string => process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint';
