import { Context, Effect, Layer, ManagedRuntime } from 'effect';
import { BadPayload, type JobError, Transient } from '../pipeline/errors.js';
import type { ConnectorJob } from '../pipeline/job.js';
import { type JobOutcome, runJob } from '../pipeline/runner.js';

/** The services `runJob` needs (connectors, ingest, cursors, status, settings). */
export type RunJobServices = Effect.Services<ReturnType<typeof runJob>>;

/**
 * Runs a decoded job with the right layers. One database for all customers
 * (`fromLayer`), or one per customer (`routed`: the seed's dedicated tier,
 * each customer's Aurora in its own account), built on first use and kept.
 */
export class JobRunner extends Context.Service<
  JobRunner,
  { readonly run: (job: ConnectorJob) => Effect.Effect<JobOutcome, JobError> }
>()('panops/queue/JobRunner') {
  static readonly fromLayer = <E>(layer: Layer.Layer<RunJobServices, E>): Layer.Layer<JobRunner, E> =>
    Layer.effect(
      JobRunner,
      Effect.map(Layer.build(layer), (context) =>
        JobRunner.of({
          run: Effect.fn('JobRunner.run')(function* (job: ConnectorJob) {
            return yield* runJob(job).pipe(Effect.provideContext(context));
          }),
        }),
      ),
    );

  /**
   * `routeFor` names the database a customer lives in (`key`) and the layer
   * for it; customers sharing a database share one runtime and one pool. A
   * customer with no route is a bad job (dead-lettered with the reason).
   */
  static readonly routed = <E>(routeFor: (customerId: string) => JobRoute<E> | undefined): Layer.Layer<JobRunner> =>
    JobRunner.resolvedBy((customerId) => {
      const route = routeFor(customerId);
      return route
        ? Effect.succeed(route)
        : Effect.fail(
            new BadPayload({
              subject: 'job',
              reason: 'no database configured for this customer',
              location: customerId,
            }),
          );
    });

  /**
   * Like `routed`, with a route found by an effect (the customer directory):
   * its failure is the job's (a `BadPayload` dead-letters the job with the
   * reason, a `Transient` is retried).
   */
  static readonly resolvedBy = <E>(
    resolve: (customerId: string) => Effect.Effect<JobRoute<E>, JobError>,
  ): Layer.Layer<JobRunner> =>
    Layer.effect(
      JobRunner,
      Effect.acquireRelease(
        Effect.sync(() => new Map<string, ManagedRuntime.ManagedRuntime<RunJobServices, E>>()),
        (runtimes) => Effect.promise(() => Promise.all([...runtimes.values()].map((r) => r.dispose()))),
      ).pipe(
        Effect.map((runtimes) =>
          JobRunner.of({
            run: Effect.fn('JobRunner.run')(function* (job: ConnectorJob) {
              const route = yield* resolve(job.customerId);
              let runtime = runtimes.get(route.key);
              if (!runtime) {
                runtime = ManagedRuntime.make(route.layer);
                runtimes.set(route.key, runtime);
              }
              const r = runtime;
              const context = yield* Effect.tryPromise({
                try: () => r.context(),
                catch: (cause) =>
                  new Transient({ source: 'database', detail: `opening ${route.key}: ${String(cause)}` }),
              }).pipe(
                // A runtime that failed to build is dropped, so the next job tries again (a token or network blip).
                Effect.tapError(() =>
                  Effect.promise(() => {
                    if (runtimes.get(route.key) === r) runtimes.delete(route.key);
                    return r.dispose();
                  }),
                ),
              );
              return yield* runJob(job).pipe(Effect.provideContext(context));
            }),
          }),
        ),
      ),
    );
}

/** Where a customer's jobs run: the database (`key`, shared by the customers of one database) and its layers. */
export interface JobRoute<E> {
  readonly key: string;
  readonly layer: Layer.Layer<RunJobServices, E>;
}
