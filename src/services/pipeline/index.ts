/**
 * The connector pipeline core: what every connector (email here; Slack, Teams,
 * Zoom, Twilio in `src/services/connectors/*`) runs on.
 *
 * Flow of one job (SQS message → stored rows → acknowledged):
 *
 *   queue consumer (src/services/queue)        Lambda `poll.lambda.ts`, Fargate `worker.main.ts`, CLI
 *     └─ decodeJob(body)                       malformed → BadPayload → dead-letter with the reason
 *        └─ runJob(job)                        runner.ts
 *           └─ for each scope of the connector (mailbox, mail folder, channel):
 *                cursor = CursorStore.get            (src/services/cursor)
 *                page   = connector.fetchPage(cursor) (Connector, connector.ts)
 *                Ingest.store(page.items)            archive (write-once) → tenant-scoped SQL, idempotent
 *                CursorStore.advance(version, page.nextCursor)   compare-and-set, only after the store
 *     └─ delete the message only after runJob succeeded (or its failure's policy says "acknowledge")
 *
 * Writing a connector: implement `Connector` (platform, scopes, fetchPage) as
 * an `Effect<Connector, never, Deps>` and add it to `Connectors.layer([...])`
 * at the entry points. Map provider failures onto the typed errors below; the
 * pipeline applies their policies. A webhook receiver that already holds the
 * items calls `Ingest.store` directly.
 *
 * Errors and their one policy each (errors.ts, policy.ts):
 *   RateLimited    → wait Retry-After (in the job when short, else delayed redelivery)
 *   Transient      → exponential backoff with jitter, bounded; then the queue's 3 receives → DLQ
 *   CursorExpired  → full resync of the scope (never leaves the runner)
 *   AuthExpired    → mark the connector needs_reauth, alert, acknowledge (no retry)
 *   BadPayload     → dead-letter with the reason, acknowledge
 *   CursorConflict → another worker owns the round: acknowledge
 * Timings live in `PipelineSettings` (a Context.Reference; tests shrink them).
 *
 * Implementations and where they are composed:
 *   ingest-sql.ts            `sqlIngestLayer`: archive → TenantSql (ON CONFLICT on
 *                            (customer_id, platform, external_id)) → transcription jobs
 *   connector-status-sql.ts  `sqlConnectorStatusLayer`: connectors.state = needs_reauthorization
 *   aws-environment.ts       env contract + AWS layers (S3, DynamoDB, SQS, Secrets Manager,
 *                            PostgreSQL per customer) for poll.lambda.ts and queue/worker.main.ts
 *   src/cli/local-pipeline.ts  the same pipeline on PGlite + files (`npx projen panops`)
 * Connectors: connectors/gmail (history.list + format=raw), connectors/m365 (Graph delta per
 * folder + $value), connectors/import (.eml folders and mbox), shared MIME normalization in
 * connectors/email/mime.ts (`parseEmail`).
 */
export type {
  Attachment,
  Channel,
  Communication,
  Participant,
  ParticipantRole,
  RawItem,
  Recording,
  SkippedItem,
} from './communication.js';
export { type Connector, Connectors, type Page } from './connector.js';
export { ConnectorStatus, memoryConnectorStatusLayer } from './connector-status.js';
export { registerConnector, sqlConnectorStatusLayer } from './connector-status-sql.js';
export {
  ConnectorCredentials,
  type CredentialRequest,
  credentialSecretName,
  secretsManagerCredentialsLayer,
  staticCredentialsLayer,
} from './credentials.js';
export {
  AuthExpired,
  BadPayload,
  type ConnectorError,
  CursorConflict,
  CursorExpired,
  isJobError,
  type JobError,
  RateLimited,
  Transient,
} from './errors.js';
export { Ingest, type IngestContext, type IngestResult } from './ingest.js';
export { type SqlIngestOptions, sqlIngestLayer } from './ingest-sql.js';
export { ConnectorJob, decodeJob, encodeJob, JOB_VERSION, JobKind, jobParam } from './job.js';
export {
  PipelineSettings,
  type Policy,
  policyFor,
  redeliveryDelayMs,
  retrySchedule,
  withRetryPolicy,
} from './policy.js';
export { type JobOutcome, runJob, type ScopeOutcome } from './runner.js';
