import { Effect, type Layer, ManagedRuntime } from 'effect';
import { type Disposition, type JobHooks, TranscriptionWorker } from './worker.js';

/**
 * One Whisper fleet serves every customer, but each dedicated customer's
 * rows live in its own Aurora: this worker reads the customer id of a
 * message and hands it to the worker of that customer's database, built on
 * first use and kept (customers sharing a database share one pool). A
 * customer with no route is dead-lettered with the reason; a database that
 * cannot be opened leaves the message for a retry.
 */
export const routedTranscriptionWorker = <E>(
  routeFor: (
    customerId: string,
  ) => { readonly key: string; readonly layer: Layer.Layer<TranscriptionWorker, E> } | undefined,
) =>
  resolvedTranscriptionWorker<E>((customerId) => {
    const route = routeFor(customerId);
    return route
      ? Effect.succeed(route)
      : Effect.fail({ retry: false, reason: `no database configured for customer ${customerId}` });
  });

/** Why a customer could not be routed: `retry` leaves the message for another try, otherwise it is dead-lettered. */
export interface RouteRefusal {
  readonly retry: boolean;
  readonly reason: string;
}

/**
 * Like `routedTranscriptionWorker`, with a route found by an effect (the
 * customer directory): a refusal dead-letters the message with its reason,
 * or leaves it for a retry when the refusal says so (an outage).
 */
export const resolvedTranscriptionWorker = <E>(
  resolve: (
    customerId: string,
  ) => Effect.Effect<{ readonly key: string; readonly layer: Layer.Layer<TranscriptionWorker, E> }, RouteRefusal>,
) =>
  Effect.acquireRelease(
    Effect.sync(() => new Map<string, ManagedRuntime.ManagedRuntime<TranscriptionWorker, E>>()),
    (runtimes) => Effect.promise(() => Promise.all([...runtimes.values()].map((r) => r.dispose()))),
  ).pipe(
    Effect.map((runtimes) => {
      const workerFor = (customerId: string) =>
        Effect.map(resolve(customerId), (route) => {
          let runtime = runtimes.get(route.key);
          if (!runtime) {
            runtime = ManagedRuntime.make(route.layer);
            runtimes.set(route.key, runtime);
          }
          return { key: route.key, runtime };
        });
      const handleMessage: (body: string, hooks?: JobHooks) => Effect.Effect<Disposition> = Effect.fn(
        'RoutedTranscriptionWorker.handleMessage',
      )(function* (body: string, hooks?: JobHooks) {
        let customerId: unknown;
        try {
          customerId = (JSON.parse(body) as { customerId?: unknown }).customerId;
        } catch {
          return { _tag: 'DeadLetter', reason: 'malformed transcription job: body is not JSON' } as Disposition;
        }
        if (typeof customerId !== 'string')
          return {
            _tag: 'DeadLetter',
            reason: `no database configured for customer ${String(customerId)}`,
          } as Disposition;
        const routed = yield* Effect.result(workerFor(customerId));
        if (routed._tag === 'Failure')
          return {
            _tag: routed.failure.retry ? 'Retry' : 'DeadLetter',
            reason: routed.failure.reason,
          } as Disposition;
        const target = routed.success;
        const opened = yield* Effect.tryPromise(() => target.runtime.context()).pipe(Effect.result);
        if (opened._tag === 'Failure') {
          return { _tag: 'Retry', reason: `opening ${target.key}: ${String(opened.failure)}` } as Disposition;
        }
        return yield* Effect.gen(function* () {
          return yield* (yield* TranscriptionWorker).handleMessage(body, hooks);
        }).pipe(Effect.provideContext(opened.success));
      });
      return TranscriptionWorker.of({
        process: () => Effect.die(new Error('the routed worker only handles queue messages')),
        handleMessage,
      });
    }),
  );
