import { Context, type Effect } from 'effect';
import type { RawItem } from './communication.js';
import type { BadPayload, Transient } from './errors.js';

/** Whose items these are: the tenant, and the connector that fetched them. */
export interface IngestContext {
  readonly customerId: string;
  readonly connectorId: string;
  readonly platform: string;
}

export interface IngestResult {
  /** Items stored for the first time. */
  readonly stored: number;
  /** Items already stored before (redeliveries, the same message in two folders or rounds): nothing changed. */
  readonly duplicates: number;
  /** Recordings queued for transcription. */
  readonly recordingsQueued: number;
}

/**
 * Stores fetched items durably: each raw item into the archive (write-once,
 * content-addressed), then its normalized form into the customer's database
 * through the tenant-scoped SQL service, in one transaction per item, keyed
 * by (customer, platform, externalId) so a redelivered item changes nothing.
 * Recordings are archived and queued for transcription after their row commits.
 * When `store` succeeds every item is durable; when it fails, a retry is safe.
 */
export class Ingest extends Context.Service<
  Ingest,
  {
    readonly store: (
      context: IngestContext,
      items: readonly RawItem[],
    ) => Effect.Effect<IngestResult, Transient | BadPayload>;
  }
>()('panops/pipeline/Ingest') {}
