import { Schema } from 'effect';

/** The promotion cannot start or continue in the current state; nothing was changed by this attempt. */
export class PromotionRefusedError extends Schema.TaggedError<PromotionRefusedError>()('PromotionRefusedError', {
  customerId: Schema.String,
  reason: Schema.String,
}) {
  override get message() {
    return `promotion of ${this.customerId} refused: ${this.reason}`;
  }
}

/** One table or the archive differs between the pool and the dedicated database: routing stays on the pool (frozen). */
export class VerificationFailedError extends Schema.TaggedError<VerificationFailedError>()('VerificationFailedError', {
  customerId: Schema.String,
  mismatches: Schema.Array(
    Schema.Struct({
      what: Schema.String,
      pooled: Schema.Struct({ count: Schema.Number, sha256: Schema.String }),
      dedicated: Schema.Struct({ count: Schema.Number, sha256: Schema.String }),
    }),
  ),
}) {
  override get message() {
    return `promotion of ${this.customerId}: copy differs from the pool in ${this.mismatches.map((m) => m.what).join(', ')}; re-run to resume`;
  }
}

/** A database or archive step failed (connection, query, I/O); the journal keeps the progress, re-run resumes. */
export class PromotionStepError extends Schema.TaggedError<PromotionStepError>()('PromotionStepError', {
  customerId: Schema.String,
  step: Schema.String,
  detail: Schema.String,
  cause: Schema.Defect(),
}) {
  override get message() {
    return `promotion of ${this.customerId} failed at ${this.step}: ${this.detail}; re-run to resume`;
  }
}

export type PromotionError = PromotionRefusedError | VerificationFailedError | PromotionStepError;
