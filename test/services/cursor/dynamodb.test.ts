import { Effect, Exit, type Layer, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CursorKey, CursorStore } from '../../../src/services/cursor/cursor-store.js';
import { dynamoCursorStoreLayer } from '../../../src/services/cursor/dynamodb.js';
import { localCursorStoreLayer } from '../../../src/services/cursor/local.js';
import { type Emulator, emulatorCredentials, startDynamo } from '../pipeline/support/emulators.js';

let dynamo: Emulator;
beforeAll(async () => {
  dynamo = await startDynamo('cursors');
});
afterAll(() => dynamo.close());

const dynaliteLayer = (): Layer.Layer<CursorStore> =>
  dynamoCursorStoreLayer({
    tableName: 'cursors',
    client: { endpoint: dynamo.endpoint, region: 'us-east-1', credentials: emulatorCredentials },
  });

const layers: Record<string, () => Layer.Layer<CursorStore>> = {
  'DynamoDB (dynalite)': dynaliteLayer,
  'the local store': () => localCursorStoreLayer(),
};

let n = 0;
const freshKey = (): CursorKey => ({
  customerId: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01',
  connectorId: 'gmail',
  scope: `s${n++}`,
});

const run = <A, E>(layer: Layer.Layer<CursorStore>, f: (store: CursorStore['Service']) => Effect.Effect<A, E>) =>
  Effect.runPromiseExit(
    Effect.gen(function* () {
      return yield* f(yield* CursorStore);
    }).pipe(Effect.provide(layer)),
  );

describe.each(Object.entries(layers))('cursor store on %s', (_, makeLayer) => {
  it('a new cursor is created at version 1 and read back', async () => {
    const key = freshKey();
    const exit = await run(makeLayer(), (store) =>
      Effect.gen(function* () {
        const before = yield* store.get(key);
        const written = yield* store.advance(key, 0, 'history-100');
        const after = yield* store.get(key);
        return { before, written, after };
      }),
    );
    expect(Exit.isSuccess(exit)).toBe(true);
    if (!Exit.isSuccess(exit)) return;
    expect(Option.isNone(exit.value.before)).toBe(true);
    expect(exit.value.written.version).toBe(1);
    expect(Option.getOrThrow(exit.value.after)).toMatchObject({ value: 'history-100', version: 1 });
  });

  it('an advance from a stale version is refused and leaves the cursor as the winner wrote it', async () => {
    const key = freshKey();
    const exit = await run(makeLayer(), (store) =>
      Effect.gen(function* () {
        yield* store.advance(key, 0, 'a');
        yield* store.advance(key, 1, 'b');
        const stale = yield* Effect.exit(store.advance(key, 1, 'c'));
        const recreate = yield* Effect.exit(store.advance(key, 0, 'd'));
        return { stale, recreate, final: yield* store.get(key) };
      }),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    for (const refused of [exit.value.stale, exit.value.recreate]) {
      expect(Exit.isFailure(refused)).toBe(true);
      expect(JSON.stringify(refused)).toContain('CursorConflict');
    }
    expect(Option.getOrThrow(exit.value.final)).toMatchObject({ value: 'b', version: 2 });
  });

  it('of two workers advancing the same cursor at once, exactly one wins', async () => {
    const key = freshKey();
    const exit = await run(makeLayer(), (store) =>
      Effect.gen(function* () {
        yield* store.advance(key, 0, 'start');
        const results = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) => Effect.exit(store.advance(key, 1, `worker-${i}`))),
          { concurrency: 'unbounded' },
        );
        return { wins: results.filter(Exit.isSuccess).length, final: yield* store.get(key) };
      }),
    );
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.wins).toBe(1);
    expect(Option.getOrThrow(exit.value.final).version).toBe(2);
  });
});

describe('DynamoDB cursor item', () => {
  it('carries a TTL in the future so stale cursors expire', async () => {
    const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
    const key = freshKey();
    await run(dynaliteLayer(), (store) => store.advance(key, 0, 'x'));
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'us-east-1',
      credentials: emulatorCredentials,
    });
    const out = await client.send(
      new GetItemCommand({
        TableName: 'cursors',
        Key: { pk: { S: `${key.customerId}#${key.connectorId}#${key.scope}` } },
      }),
    );
    client.destroy();
    const expiresAt = Number(out.Item?.expiresAt?.N);
    expect(expiresAt).toBeGreaterThan(Date.now() / 1000 + 80 * 86_400);
  });
});
