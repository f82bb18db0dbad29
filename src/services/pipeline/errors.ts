import { Schema } from 'effect';
import { causeMessage } from '../aws/scoped-client.js';

/**
 * The failures a connector job can meet, each with exactly one policy
 * (see `policy.ts`). They carry what the handler needs to act: the connector,
 * the delay the provider asked for, the reason a payload was refused.
 */

/** The provider throttled us (HTTP 429, Gmail quota errors). Policy: wait `retryAfterMs`, then retry. */
export class RateLimited extends Schema.TaggedError<RateLimited>()('RateLimited', {
  platform: Schema.String,
  /** How long the provider asked us to wait (from Retry-After), in milliseconds. */
  retryAfterMs: Schema.Number,
  detail: Schema.String,
}) {}

/** The provider refused our credentials (401, invalid_grant). Policy: mark the connector for re-authorization, stop, alert. */
export class AuthExpired extends Schema.TaggedError<AuthExpired>()('AuthExpired', {
  platform: Schema.String,
  detail: Schema.String,
}) {}

/** The stored delta cursor is no longer valid (Gmail 404 historyId, Graph 410). Policy: full resync from no cursor. */
export class CursorExpired extends Schema.TaggedError<CursorExpired>()('CursorExpired', {
  platform: Schema.String,
  /** The scope whose cursor expired (a mailbox, a mail folder). */
  scope: Schema.String,
  detail: Schema.String,
}) {}

/** A network error, a 5xx, or the database or archive briefly unavailable. Policy: exponential backoff with jitter, bounded. */
export class Transient extends Schema.TaggedError<Transient>()('Transient', {
  /** Which dependency failed: `gmail`, `m365`, `database`, `archive`, `cursor`, `queue`, ... */
  source: Schema.String,
  detail: Schema.String,
  /** HTTP status when there was one. */
  status: Schema.optional(Schema.Number),
}) {}

/** `Transient` errors of one dependency, from a failed call's cause: `transientFrom('queue')('SendMessage')(cause)`. */
export const transientFrom =
  (source: string) =>
  (detail: string) =>
  (cause: unknown): Transient =>
    new Transient({ source, detail: `${detail}: ${causeMessage(cause)}` });

/** Input we can never process (malformed job, unparseable item). Policy: dead-letter with the reason, never retry. */
export class BadPayload extends Schema.TaggedError<BadPayload>()('BadPayload', {
  /** What was bad: `job`, `item`, `response`, `file`. */
  subject: Schema.String,
  reason: Schema.String,
  /** Where it came from: a message id, a file path, an item id. */
  location: Schema.optional(Schema.String),
}) {}

/** A job that cannot run as sent (a parameter missing, the wrong runtime): dead-lettered with why, under its id. */
export const badJob = (job: { readonly jobId: string }, reason: string): BadPayload =>
  new BadPayload({ subject: 'job', reason, location: job.jobId });

/** Another worker advanced the cursor first (conditional write refused). Policy: stop quietly; that worker owns the round. */
export class CursorConflict extends Schema.TaggedError<CursorConflict>()('CursorConflict', {
  key: Schema.String,
  expectedVersion: Schema.Number,
}) {}

/** Every failure a connector's fetch may raise. */
export type ConnectorError = RateLimited | AuthExpired | CursorExpired | Transient | BadPayload;

/** Every failure a whole job may end with (after the in-job retries are spent). */
export type JobError = ConnectorError | CursorConflict;

export const isJobError = (u: unknown): u is JobError =>
  u instanceof RateLimited ||
  u instanceof AuthExpired ||
  u instanceof CursorExpired ||
  u instanceof Transient ||
  u instanceof BadPayload ||
  u instanceof CursorConflict;
