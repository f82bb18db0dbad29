import { Effect, Schema } from 'effect';
import { BadPayload } from './errors.js';

/**
 * A connector job: the body of an SQS message on the connector-jobs queue,
 * sent by EventBridge Scheduler (poll), by a webhook (push) or by an operator
 * (resync, import). Decoded and validated before anything runs; a malformed
 * job becomes `BadPayload` and goes to the dead-letter queue with the reason.
 */
export const JOB_VERSION = 1 as const;

/**
 * `reconcile`: compare the provider's listing with the archive (the daily schedule of each connector).
 * `disposition`: the customer's daily retention run (src/services/retention/disposition-job.ts).
 */
export const JobKind = Schema.Literals(['poll', 'resync', 'webhook', 'import', 'reconcile', 'disposition']);
export type JobKind = typeof JobKind.Type;

const CustomerId = Schema.String.check(Schema.isUUID(undefined, { message: 'customerId must be a UUID' }));
const ConnectorId = Schema.String.check(
  Schema.isPattern(/^[a-z0-9][a-z0-9-]{0,47}$/, {
    message: 'connectorId must be 1–48 lowercase letters, digits, hyphens',
  }),
);
/** `gmail`, `m365`, `import` here; `slack`, `teams`, `zoom`, `twilio` from the messaging connectors. */
const Platform = Schema.String.check(
  Schema.isPattern(/^[a-z][a-z0-9-]{1,31}$/, { message: 'platform must be a lowercase platform name' }),
);

export const ConnectorJob = Schema.Struct({
  version: Schema.Literal(JOB_VERSION),
  /** Unique per job; logged, and used to recognise a redelivery. */
  jobId: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(128)),
  customerId: CustomerId,
  connectorId: ConnectorId,
  platform: Platform,
  kind: JobKind,
  /** ISO-8601 time the job was requested (the scheduler's `<aws.scheduler.scheduled-time>`). */
  requestedAt: Schema.String.check(
    Schema.isPattern(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, {
      message: 'requestedAt must be an ISO-8601 timestamp',
    }),
  ),
  /** Platform-specific settings (mailbox, folders, import path, webhook body). */
  params: Schema.optional(Schema.Record(Schema.String, Schema.Unknown)),
});
export type ConnectorJob = typeof ConnectorJob.Type;

const decodeJobJson = Schema.decodeUnknownEffect(Schema.fromJsonString(ConnectorJob));
const encodeJobJson = Schema.encodeSync(Schema.fromJsonString(ConnectorJob));

/** Decode an SQS message body into a job, or fail with `BadPayload` naming what is wrong. */
export const decodeJob = (body: string, location?: string): Effect.Effect<ConnectorJob, BadPayload> =>
  decodeJobJson(body).pipe(
    Effect.mapError(
      (error) => new BadPayload({ subject: 'job', reason: error.message, ...(location ? { location } : {}) }),
    ),
  );

/** The message body for a job (what the scheduler and webhooks send). */
export const encodeJob = (job: ConnectorJob): string => encodeJobJson(job);

/** A string param of a job, if present. */
export const jobParam = (job: ConnectorJob, name: string): string | undefined => {
  const value = job.params?.[name];
  return typeof value === 'string' ? value : undefined;
};
