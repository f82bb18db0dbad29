import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/entry-point.ts', import.meta.url));

/** Runs the fixture entry point; `onReady` sees the child once it printed its first line. */
const run = (mode: string, onReady?: (kill: (signal: NodeJS.Signals) => void) => void) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>((done) => {
    // Node itself (tsx as its loader, not the tsx CLI wrapper), so the signal reaches the program's process.
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready')) onReady?.((signal) => child.kill(signal));
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code, signal) => done({ code, signal, out, err }));
  });

describe('runEntryPoint (every CLI and worker starts through it)', () => {
  it('exits with the number the program returns', async () => {
    expect((await run('code')).code).toBe(3);
  }, 30_000);

  it('prints a typed failure as one line and exits 2, without a stack trace', async () => {
    const { code, err } = await run('fail');
    expect(code).toBe(2);
    expect(err.trim()).toBe('error: the blueprint names no such customer');
  }, 30_000);

  it('prints a configuration failure as one line naming the variable', async () => {
    const { code, err } = await run('config');
    expect(code).toBe(2);
    expect(err.trim()).toMatch(/^error: configuration: .*\["PANOPS_FIXTURE_CONCURRENCY"\]$/);
  }, 30_000);

  it('interrupts the program on SIGTERM and runs its finalizers (a worker lets go of its messages)', async () => {
    const { code, signal, out } = await run('wait', (kill) => kill('SIGTERM'));
    expect(out).toContain('released');
    // Interrupted, not finished: Effect's runtime ends the process by the signal (or with 130 where it exits).
    expect(signal === 'SIGTERM' || code === 130).toBe(true);
  }, 30_000);
});
