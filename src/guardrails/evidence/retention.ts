import { Schema } from 'effect';
import type { RetentionStatus } from '../../contracts/retention-status.js';
import { readNewestPerCustomer } from './customer-files.js';

/**
 * The database side of the report's Retention section: the status files given
 * to the run (`--retention <dir>`, what `panops retention-status` writes), the
 * newest per customer. The blueprint side (policy, Object Lock, the lifecycle
 * as synthesized) comes from synth.
 */
export interface RetentionStatusEvidence {
  /** The folder the status files were read from. */
  readonly source: string;
  readonly statuses: readonly RetentionStatus[];
}

const Count = Schema.Number;
const StatusFile = Schema.Struct({
  customerId: Schema.String,
  customerSlug: Schema.String,
  generatedAt: Schema.String,
  policyInDatabase: Schema.Array(
    Schema.Struct({
      platform: Schema.String,
      kind: Schema.String,
      retentionDays: Count,
      effectiveFrom: Schema.String,
    }),
  ),
  openMatters: Schema.Array(Schema.Struct({ matter: Schema.String, communications: Count, since: Schema.String })),
  held: Schema.Struct({ communications: Count, attachments: Count, recordings: Count }),
  heldPastRetention: Count,
  lastDisposition: Schema.NullOr(
    Schema.Struct({
      cutoff: Schema.String,
      recordedFrom: Schema.String,
      recordedTo: Schema.String,
      actor: Schema.String,
      batches: Count,
      deleted: Schema.Record(Schema.String, Count),
      objectsReleasedToLifecycle: Count,
      idsSha256: Schema.Array(Schema.String),
    }),
  ),
});

/** A status file that is not what `panops retention-status` writes: refused naming the file and the field. */
export class RetentionStatusInvalid extends Error {}

/** Every retention status file in a folder, the newest per customer, sorted by customer. */
export const readRetentionEvidence = (dir: string): RetentionStatusEvidence => ({
  source: dir,
  statuses: readNewestPerCustomer<RetentionStatus>(
    dir,
    StatusFile,
    (path, detail) => new RetentionStatusInvalid(`${path}: not a retention status: ${detail}`),
  ),
});
