import { Effect, Layer } from 'effect';
import type { BadPayload, Transient } from '../pipeline/errors.js';
import { CustomerDirectory, type CustomerLocation } from './customer-directory.js';
import { directoryJobError } from './errors.js';

/**
 * A layer whose store reaches each customer's target through the customer
 * directory: located, turned into the store's target by `targetOf`, a
 * customer the directory cannot place a `BadPayload`, an outage `Transient`.
 * The archive, large-object, retention and raw-event layers all resolve so.
 */
export const withDirectoryTargets = <T, A, E, R>(
  targetOf: (location: CustomerLocation) => T,
  build: (resolveTarget: (customerId: string) => Effect.Effect<T, BadPayload | Transient>) => Layer.Layer<A, E, R>,
): Layer.Layer<A, E, R | CustomerDirectory> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const directory = yield* CustomerDirectory;
      return build((customerId) =>
        directory.locate(customerId).pipe(Effect.map(targetOf), Effect.mapError(directoryJobError)),
      );
    }),
  );
