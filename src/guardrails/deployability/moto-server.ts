import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { onPath } from './on-path.js';

/**
 * `moto_server` (https://docs.getmoto.org/en/latest/docs/server_mode.html), the
 * AWS API emulator, on 127.0.0.1 and a free port, for the rehearsal's
 * SDK-driven steps. `.ci/run` installs it when missing.
 */
export interface MotoServer {
  readonly endpoint: string;
  readonly version: string | null;
  readonly close: () => Promise<void>;
}

export class MotoUnavailable extends Error {
  constructor(reason: string) {
    super(`moto_server could not start: ${reason} (pip install 'moto[server]')`);
    this.name = 'MotoUnavailable';
  }
}

/** Whether moto_server is installed (on PATH; not started: `moto_server --help` takes seconds). */
export const motoAvailable = (): boolean => onPath('moto_server');

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });

/** The installed moto's version, read in a child process (importing moto takes ~0.3 s: not on the event loop). */
const motoVersion = (): Promise<string | null> =>
  new Promise((resolve) => {
    execFile('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' }, (error, stdout) =>
      resolve(error ? null : stdout.trim()),
    );
  });

/**
 * Spawns moto_server and returns as soon as the process is started; `ready`
 * resolves once it answers. A caller can launch it, go on with synchronous
 * work (a synth) while the emulator boots (Python, ~1.5 s), and await `ready`
 * afterwards.
 */
export const launchMotoServer = async (
  options: { readonly version?: string } = {},
): Promise<{ readonly ready: Promise<MotoServer> }> => {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const version = options.version === undefined ? motoVersion() : Promise.resolve(options.version);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString()}`.slice(-2000);
  });
  const failed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new MotoUnavailable(e.message))));
  const endpoint = `http://127.0.0.1:${port}`;
  const answers = async (): Promise<MotoServer> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const up = await Promise.race([
        fetch(`${endpoint}/moto-api/reset`, { method: 'POST' }).then(
          (r) => r.ok,
          () => false,
        ),
        failed,
      ]);
      if (up) break;
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill();
        throw new MotoUnavailable(`not up on ${endpoint}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      endpoint,
      version: await version,
      close: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    };
  };
  return { ready: answers() };
};

/** Starts moto_server and resolves once it answers. */
export const startMotoServer = async (options: { readonly version?: string } = {}): Promise<MotoServer> =>
  (await launchMotoServer(options)).ready;
