import { Effect, Layer } from 'effect';
import { describe, expect, it } from 'vitest';
import { resolvedTranscriptionWorker, routedTranscriptionWorker } from '../../../src/services/transcription/routed.js';
import { type Disposition, TranscriptionWorker } from '../../../src/services/transcription/worker.js';

const A = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const B = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
const BROKEN = 'c4d2e6f8-0a1b-4c3d-8e5f-7a9b1c3d5e03';

/** A worker standing for one database: it says which database handled the message. */
const databaseWorker = (name: string, builds: string[]) =>
  Layer.effect(
    TranscriptionWorker,
    Effect.sync(() => {
      builds.push(name);
      return TranscriptionWorker.of({
        process: () => Effect.die('unused'),
        handleMessage: () => Effect.succeed<Disposition>({ _tag: 'Retry', reason: `handled by ${name}` }),
      });
    }),
  );

describe('routedTranscriptionWorker', () => {
  it("hands each message to its customer's database worker, built once per database", async () => {
    const builds: string[] = [];
    const route = (customerId: string) =>
      customerId === A || customerId === B
        ? {
            key: customerId === A ? 'aurora-a' : 'pooled',
            layer: databaseWorker(customerId === A ? 'aurora-a' : 'pooled', builds),
          }
        : customerId === BROKEN
          ? { key: 'down', layer: Layer.effect(TranscriptionWorker, Effect.fail(new Error('connection refused'))) }
          : undefined;
    const results = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const worker = yield* routedTranscriptionWorker(route);
          const handle = (body: string) => worker.handleMessage(body);
          return [
            yield* handle(JSON.stringify({ customerId: A })),
            yield* handle(JSON.stringify({ customerId: B })),
            yield* handle(JSON.stringify({ customerId: A })),
            yield* handle(JSON.stringify({ customerId: 'someone-else' })),
            yield* handle('not json'),
            yield* handle(JSON.stringify({ customerId: BROKEN })),
          ];
        }),
      ),
    );
    expect(results.slice(0, 3)).toEqual([
      { _tag: 'Retry', reason: 'handled by aurora-a' },
      { _tag: 'Retry', reason: 'handled by pooled' },
      { _tag: 'Retry', reason: 'handled by aurora-a' },
    ]);
    expect(builds).toEqual(['aurora-a', 'pooled']);
    expect(results[3]).toMatchObject({ _tag: 'DeadLetter', reason: expect.stringMatching(/no database configured/) });
    expect(results[4]).toMatchObject({ _tag: 'DeadLetter' });
    expect(results[5]).toMatchObject({ _tag: 'Retry', reason: expect.stringMatching(/^opening down/) });
  });

  it('with a resolved route (the customer directory), dead-letters a refused customer with the reason and retries an outage', async () => {
    const builds: string[] = [];
    const results = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const worker = yield* resolvedTranscriptionWorker((customerId) =>
            customerId === A
              ? Effect.succeed({ key: 'aurora-a', layer: databaseWorker('aurora-a', builds) })
              : customerId === B
                ? Effect.fail({ retry: true, reason: 'customer directory unavailable (throttled)' })
                : Effect.fail({ retry: false, reason: `customer ${customerId} has no directory entry` }),
          );
          return [
            yield* worker.handleMessage(JSON.stringify({ customerId: A })),
            yield* worker.handleMessage(JSON.stringify({ customerId: B })),
            yield* worker.handleMessage(JSON.stringify({ customerId: BROKEN })),
          ];
        }),
      ),
    );
    expect(results).toEqual([
      { _tag: 'Retry', reason: 'handled by aurora-a' },
      { _tag: 'Retry', reason: 'customer directory unavailable (throttled)' },
      { _tag: 'DeadLetter', reason: `customer ${BROKEN} has no directory entry` },
    ]);
    expect(builds).toEqual(['aurora-a']);
  });
});
