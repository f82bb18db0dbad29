import { Schema } from 'effect';
import { BadPayload, Transient } from '../pipeline/errors.js';

/**
 * Failures of finding where a customer's data lives. The first two are
 * configuration gaps that retrying cannot close (a job meeting them goes to
 * the dead-letter queue with the reason, and can be redriven once the gap is
 * fixed); the third is AWS being briefly unreachable (retried with backoff).
 */

/** The shared compute account has no directory entry for the customer (unknown id, or an account not vended or not deployed yet). */
export class CustomerNotFound extends Schema.TaggedError<CustomerNotFound>()('CustomerNotFound', {
  customerId: Schema.String,
  /** The parameter that was looked up. */
  parameter: Schema.String,
}) {
  override get message() {
    return `customer ${this.customerId} has no directory entry (${this.parameter}): not in the deployed blueprint, or its account is not vended yet`;
  }
}

/** The customer's entry exists, but its data account does not (yet) say where the data is, or does not let us read it. */
export class CustomerLocationMissing extends Schema.TaggedError<CustomerLocationMissing>()('CustomerLocationMissing', {
  customerId: Schema.String,
  accountId: Schema.String,
  /** What is missing or refused: parameter names, the role ARN, or the malformed entry. */
  missing: Schema.Array(Schema.String),
  detail: Schema.String,
}) {
  override get message() {
    return `customer ${this.customerId} (account ${this.accountId}): ${this.detail}: ${this.missing.join(', ')}`;
  }
}

/** SSM or STS could not be reached or throttled us: retry with backoff. */
export class DirectoryUnavailable extends Schema.TaggedError<DirectoryUnavailable>()('DirectoryUnavailable', {
  customerId: Schema.String,
  /** Which call failed: `entry`, `assume-role` or `locations`. */
  step: Schema.Literals(['entry', 'assume-role', 'locations']),
  detail: Schema.String,
}) {
  override get message() {
    return `customer directory unavailable for ${this.customerId} (${this.step}): ${this.detail}`;
  }
}

export type DirectoryError = CustomerNotFound | CustomerLocationMissing | DirectoryUnavailable;

/**
 * The pipeline's view of a directory failure: a configuration gap is a
 * `BadPayload` (dead-lettered with the reason, never retried), an outage is
 * `Transient` (backoff, then the queue's redrive).
 */
export const directoryJobError = (error: DirectoryError): BadPayload | Transient =>
  error._tag === 'DirectoryUnavailable'
    ? new Transient({ source: 'directory', detail: error.message })
    : new BadPayload({ subject: 'customer', reason: error.message, location: error.customerId });
