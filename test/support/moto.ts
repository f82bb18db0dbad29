import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * `moto_server` (the AWS API emulator, wire protocol) on 127.0.0.1 and a free
 * port, for the services that have no npm emulator (SQS). `.ci/run` installs
 * it when missing. Point an SDK client at `endpoint` with `credentials`.
 */
export interface Moto {
  readonly endpoint: string;
  readonly client: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { accessKeyId: string; secretAccessKey: string };
  };
  readonly close: () => Promise<void>;
}

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

const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));

export const startMoto = async (): Promise<Moto> => {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString()}`.slice(-4000);
  });
  const spawnFailed = new Promise<never>((_, reject) =>
    child.once('error', (e) =>
      reject(new Error(`moto_server could not start (is moto[server] installed?): ${e.message}`)),
    ),
  );
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await Promise.race([
      fetch(`${endpoint}/moto-api/reset`, { method: 'POST' }).then(
        (r) => r.ok,
        () => false,
      ),
      spawnFailed,
    ]);
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`moto_server did not come up on ${endpoint}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    client: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    close: async () => {
      if (child.exitCode !== null) return;
      const done = exited(child);
      child.kill('SIGTERM');
      await done;
    },
  };
};
