import { Config, Schema } from 'effect';

/** Jobs one Fargate connector worker runs at once (not set by the shared compute stack: a local or ops override). */
export const WORKER_CONCURRENCY_ENV = 'PANOPS_WORKER_CONCURRENCY';

/** `PANOPS_WORKER_CONCURRENCY`: a positive integer, 4 when unset; anything else is a ConfigError naming it. */
export const workerConcurrency: Config.Config<number> = Config.schema(
  Schema.Int.check(Schema.isGreaterThan(0)),
  WORKER_CONCURRENCY_ENV,
).pipe(Config.withDefault(4));
