import { Effect, type Layer, ManagedRuntime } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoReplayGuardLayer, ReplayGuard, replayKey } from '../../../src/services/webhooks/replay-guard.js';
import { type Emulator, emulatorCredentials, startDynamo } from '../pipeline/support/emulators.js';

let dynamo: Emulator;
let runtime: ManagedRuntime.ManagedRuntime<ReplayGuard, never>;

beforeAll(async () => {
  dynamo = await startDynamo('panops-cursors');
  runtime = ManagedRuntime.make(
    dynamoReplayGuardLayer({
      tableName: 'panops-cursors',
      client: { endpoint: dynamo.endpoint, region: 'us-east-1', credentials: emulatorCredentials },
    }) as Layer.Layer<ReplayGuard>,
  );
});
afterAll(async () => {
  await runtime.dispose();
  await dynamo.close();
});

const claim = (key: string) => runtime.runPromise(Effect.flatMap(ReplayGuard, (g) => g.claim(key)));
const release = (key: string) => runtime.runPromise(Effect.flatMap(ReplayGuard, (g) => g.release(key)));

describe('replay guard on DynamoDB (dynalite)', () => {
  it('lets a message id through once, and again only after its claim is released', async () => {
    const key = replayKey('slack', 'T061EG9R6', 'Ev0PV52K21');
    expect(await claim(key)).toBe(true);
    expect(await claim(key)).toBe(false);
    await release(key);
    expect(await claim(key)).toBe(true);
  });

  it('lets exactly one of 20 concurrent copies of a request through', async () => {
    const key = replayKey('twilio', `AC${'1'.repeat(32)}`, `SM${'9'.repeat(32)}`);
    const results = await Promise.all(Array.from({ length: 20 }, () => claim(key)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('keeps customers apart: the same provider id of two customers are two messages', async () => {
    expect(await claim(replayKey('zoom', 'account-one', 'x'))).toBe(true);
    expect(await claim(replayKey('zoom', 'account-two', 'x'))).toBe(true);
  });
});
