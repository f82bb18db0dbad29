import { startMotoServer } from '../../src/guardrails/deployability/moto-server.js';

/**
 * `moto_server` (the AWS API emulator, wire protocol) on 127.0.0.1 and a free
 * port, started the way the rehearsal starts it, with the client settings the
 * tests point an SDK client at. `.ci/run` installs it when missing.
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

export const startMoto = async (): Promise<Moto> => {
  const { endpoint, close } = await startMotoServer();
  return {
    endpoint,
    client: { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
    close,
  };
};
