import { Context, Effect, Layer, ManagedRuntime } from 'effect';
import type { JobError } from '../pipeline/errors.js';
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

  static readonly routed = <E>(
    layerFor: (customerId: string) => Layer.Layer<RunJobServices, E>,
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
                let runtime = runtimes.get(job.customerId);
                if (!runtime) {
                  runtime = ManagedRuntime.make(layerFor(job.customerId));
                  runtimes.set(job.customerId, runtime);
                }
                const r = runtime;
                return Effect.flatMap(
                  Effect.promise(() => r.context()),
                  (context) => runJob(job).pipe(Effect.provideContext(context)),
                );
              }),
          }),
        ),
      ),
    );
}
