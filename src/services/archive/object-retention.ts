import { Context, type Effect } from 'effect';
import type { BadPayload, Transient } from '../pipeline/errors.js';

/**
 * The tags the archive's lifecycle and holds agree on. S3 lifecycle filters
 * can only INCLUDE objects by tag (a rule's Filter is a prefix, tags, sizes,
 * or an And of them; there is no "not tagged"):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/intro-lifecycle-filters.html
 * so the archive buckets expire ONLY objects tagged disposable, which the
 * disposition job does after the last row naming the object is gone. A
 * held object is tagged held instead (PutObjectTagging replaces the whole
 * set, so a hold also removes a disposable tag:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html).
 */
export { DISPOSITION_TAG, LEGAL_HOLD_TAG } from '../../contracts/archive-tags.js';

/** What happened to the objects of one call. */
export interface ObjectOutcome {
  readonly done: readonly string[];
  /** Keys left alone, with why (a disposal of an object that carries a hold is refused). */
  readonly refused: readonly { readonly key: string; readonly reason: string }[];
}

/**
 * Legal holds and disposal of archive objects, in the customer's own bucket
 * or prefix. Where the bucket has S3 Object Lock, a hold is also an Object
 * Lock legal hold (no one, lifecycle included, deletes that version until it
 * is removed: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html#object-lock-legal-holds).
 */
export class ArchiveObjectRetention extends Context.Service<
  ArchiveObjectRetention,
  {
    readonly hold: (
      customerId: string,
      keys: readonly string[],
    ) => Effect.Effect<ObjectOutcome, Transient | BadPayload>;
    readonly release: (
      customerId: string,
      keys: readonly string[],
    ) => Effect.Effect<ObjectOutcome, Transient | BadPayload>;
    /** Lets the lifecycle expire these objects; call only after the rows naming them are committed gone. */
    readonly dispose: (
      customerId: string,
      keys: readonly string[],
    ) => Effect.Effect<ObjectOutcome, Transient | BadPayload>;
  }
>()('panops/archive/ArchiveObjectRetention') {}
