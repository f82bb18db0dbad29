import { NodeServices } from '@effect/platform-node';
import { Effect } from 'effect';
import { Command } from 'effect/cli';
import { vi } from 'vitest';
import { panops } from '../../src/cli/panops.js';

/** Runs `panops <args>` as the shell would: whether it succeeded, what it printed (stdout and stderr), its exit. */
export const runPanops = async (...args: string[]) => {
  const lines: string[] = [];
  const capture = (...a: unknown[]) => {
    lines.push(a.join(' '));
  };
  const log = vi.spyOn(console, 'log').mockImplementation(capture);
  const error = vi.spyOn(console, 'error').mockImplementation(capture);
  try {
    const exit = await Effect.runPromiseExit(
      Command.runWith(panops, { version: 'test' })(args).pipe(Effect.provide(NodeServices.layer)) as Effect.Effect<
        void,
        unknown
      >,
    );
    return { ok: exit._tag === 'Success', out: lines.join('\n'), exit };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
};
