import { Effect, type Scope } from 'effect';

/**
 * An AWS SDK v3 client for the life of a layer: made once when the layer is
 * built, destroyed (its sockets closed) when the layer's scope closes, so a
 * worker or a test that tears its layers down leaves no open handles.
 */
export const scopedClient = <Client extends { destroy(): void }>(
  make: () => Client,
): Effect.Effect<Client, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.sync(make), (client) => Effect.sync(() => client.destroy()));

/** The message of whatever an SDK call rejected with (an Error, or anything else a promise can reject with). */
export const causeMessage = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));
