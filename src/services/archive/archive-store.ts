import { createHash } from 'node:crypto';
import { Context, type Effect } from 'effect';
import type { BadPayload, Transient } from '../pipeline/errors.js';

/** What the archive holds for one stored object; the hash and key go into Postgres beside the row. */
export interface ArchivedObject {
  /** Content-addressed key: `objects/sha256/<first two hex>/<sha256>`. */
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  /** False when the same content was already archived (write-once: it was not written again). */
  readonly created: boolean;
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The key an object with this hash is stored under, in every customer's bucket. */
export const archiveKeyFor = (sha256: string): string => `objects/sha256/${sha256.slice(0, 2)}/${sha256}`;

/**
 * The raw archive: every item exactly as received (MIME for email), written
 * once under its content hash in the customer's own bucket, encrypted with the
 * customer's key. Writing the same bytes twice is a no-op; nothing is ever
 * overwritten.
 */
export class ArchiveStore extends Context.Service<
  ArchiveStore,
  {
    readonly put: (
      customerId: string,
      bytes: Uint8Array,
      contentType: string,
    ) => Effect.Effect<ArchivedObject, Transient | BadPayload>;
    readonly get: (customerId: string, key: string) => Effect.Effect<Uint8Array, Transient | BadPayload>;
    readonly exists: (customerId: string, key: string) => Effect.Effect<boolean, Transient | BadPayload>;
  }
>()('panops/archive/ArchiveStore') {}
