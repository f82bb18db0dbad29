import { Context, type Effect } from 'effect';
import type { RawItem, SkippedItem, UnparsedItem } from './communication.js';
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
  /** Unparsed items that turned out not to be items (not an email): reported and skipped. */
  readonly skipped: readonly SkippedItem[];
}

/**
 * A page made ready to store: its items parsed and archived (write-once), its
 * rows built. `commit` writes them in one transaction and queues its
 * transcriptions; it may be run again after a failure (the natural key makes
 * a second run a no-op for what the first stored).
 */
export interface PreparedPage {
  readonly commit: Effect.Effect<IngestResult, Transient | BadPayload>;
}

/**
 * Stores a fetched page durably: each raw item into the archive (write-once,
 * content-addressed), then the normalized forms of the whole page into the
 * customer's database through the tenant-scoped SQL service in ONE
 * transaction (the page is stored whole or not at all), keyed by (customer,
 * platform, externalId) so a redelivered item changes nothing.
 * Recordings are archived and queued for transcription after their row commits.
 * When `store` succeeds every item is durable; when it fails, a retry is safe.
 *
 * `store` is `prepare` then `commit`; the runner calls them apart so that the
 * next page is parsed and archived while this one commits (a backfill keeps
 * every core busy), and still advances the cursor only after the commit.
 */
export class Ingest extends Context.Service<
  Ingest,
  {
    readonly prepare: (
      context: IngestContext,
      items: readonly RawItem[],
      unparsed?: readonly UnparsedItem[],
    ) => Effect.Effect<PreparedPage, Transient | BadPayload>;
    readonly store: (
      context: IngestContext,
      items: readonly RawItem[],
      unparsed?: readonly UnparsedItem[],
    ) => Effect.Effect<IngestResult, Transient | BadPayload>;
  }
>()('panops/pipeline/Ingest') {}
