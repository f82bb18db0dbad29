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
        JobRunner.of({ run: (job) => runJob(job).pipe(Effect.provideContext(context)) }),
      ),
    );

  /**
   * `routeFor` names the database a customer lives in (`key`) and the layer
   * for it; customers sharing a database share one runtime and one pool. A
   * customer with no route is a bad job (dead-lettered with the reason).
   */
  static readonly routed = <E>(
    routeFor: (
      customerId: string,
    ) => { readonly key: string; readonly layer: Layer.Layer<RunJobServices, E> } | undefined,
  ): Layer.Layer<JobRunner> =>
    Layer.effect(
      JobRunner,
      Effect.acquireRelease(
        Effect.sync(() => new Map<string, ManagedRuntime.ManagedRuntime<RunJobServices, E>>()),
        (runtimes) => Effect.promise(() => Promise.all([...runtimes.values()].map((r) => r.dispose()))),
      ).pipe(
        Effect.map((runtimes) =>
          JobRunner.of({
            run: (job) =>
              Effect.suspend(() => {
                const route = routeFor(job.customerId);
                if (!route) {
                  return Effect.fail(
                    new BadPayload({
                      subject: 'job',
                      reason: 'no database configured for this customer',
                      location: job.customerId,
                    }),
                  );
                }
                let runtime = runtimes.get(route.key);
                if (!runtime) {
                  runtime = ManagedRuntime.make(route.layer);
                  runtimes.set(route.key, runtime);
                }
                const r = runtime;
                return Effect.flatMap(
                  Effect.tryPromise({
                    try: () => r.context(),
                    catch: (cause) =>
                      new Transient({ source: 'database', detail: `opening ${route.key}: ${String(cause)}` }),
                  }),
                  (context) => runJob(job).pipe(Effect.provideContext(context)),
                );
              }),
          }),
        ),
      ),
    );
}
