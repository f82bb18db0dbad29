import { Context, Effect, Layer } from 'effect';
import type { Transient } from './errors.js';

/**
 * Connector health as the product shows it: a connector whose credentials were
 * refused is marked as needing re-authorization (and alerted on) so it stops
 * being polled until a person reconnects it.
 */
export class ConnectorStatus extends Context.Service<
  ConnectorStatus,
  {
    readonly markNeedsReauthorization: (
      customerId: string,
      connectorId: string,
      detail: string,
    ) => Effect.Effect<void, Transient>;
    readonly markSynced: (customerId: string, connectorId: string) => Effect.Effect<void, Transient>;
  }
>()('panops/pipeline/ConnectorStatus') {}

/** Records status changes in memory (tests); the SQL layer lives beside ingest. */
export const memoryConnectorStatusLayer = (sink: Map<string, string> = new Map()) =>
  Layer.succeed(ConnectorStatus, {
    markNeedsReauthorization: (customerId, connectorId, detail) =>
      Effect.sync(() => {
        sink.set(`${customerId}/${connectorId}`, `needs_reauth: ${detail}`);
      }),
    markSynced: (customerId, connectorId) =>
      Effect.sync(() => {
        sink.set(`${customerId}/${connectorId}`, 'ok');
      }),
  });
