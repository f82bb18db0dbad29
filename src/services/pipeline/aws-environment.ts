import { Layer } from 'effect';
import { FetchHttpClient } from 'effect/http';
import { type ArchiveTarget, s3ArchiveStoreLayer } from '../archive/s3.js';
import { makeGmailConnector } from '../connectors/gmail/gmail.js';
import { makeM365Connector } from '../connectors/m365/m365.js';
import { dynamoCursorStoreLayer } from '../cursor/dynamodb.js';
import { postgresDatabaseLayer } from '../db/postgres.js';
import { TenantSql } from '../db/tenant-sql.js';
import { JobRunner, type RunJobServices } from '../queue/job-runner.js';
import { sqsTranscriptionJobsLayer } from '../queue/transcription-jobs.js';
import { Connectors } from './connector.js';
import { sqlConnectorStatusLayer } from './connector-status-sql.js';
import { secretsManagerCredentialsLayer } from './credentials.js';
import { sqlIngestLayer } from './ingest-sql.js';

/**
 * What the AWS entry points (the poll Lambda, the Fargate worker) read from
 * their environment. Queue and table names are the shared compute stack's
 * contract (`src/shared-compute/runtime-env.ts`); the data locations of each
 * customer come as JSON, the same shape the webhook Lambda reads.
 */
export interface AwsPipelineEnvironment {
  readonly connectorJobsQueueUrl: string;
  /** Where a job that can never succeed is copied with its reason; without it, SQS's redrive moves it after 3 receives. */
  readonly connectorJobsDeadLetterQueueUrl?: string;
  readonly transcriptionJobsQueueUrl: string;
  readonly cursorTableName: string;
  /** One database for every customer (`DATABASE_URL`), used when a customer has no entry of its own. */
  readonly databaseUrl?: string;
  /** `PANOPS_CUSTOMER_DATABASES`: `{ "<customer id>": "postgres://..." }` — each dedicated customer's Aurora. */
  readonly customerDatabases: Readonly<Record<string, string>>;
  /** `ARCHIVE_TARGETS`: `{ "<customer id>": { "bucket": "...", "kmsKeyId": "..." } }`. */
  readonly archiveTargets: Readonly<Record<string, ArchiveTarget>>;
}

const required = (env: NodeJS.ProcessEnv, name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`connector worker: environment variable ${name} is not set`);
  return value;
};

const jsonObject = <T>(env: NodeJS.ProcessEnv, name: string): Readonly<Record<string, T>> => {
  const text = env[name];
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, T>;
  } catch (error) {
    throw new Error(`connector worker: ${name} is not valid JSON (${String(error)})`);
  }
};

export const readAwsEnvironment = (env: NodeJS.ProcessEnv): AwsPipelineEnvironment => {
  const settings: AwsPipelineEnvironment = {
    connectorJobsQueueUrl: required(env, 'PANOPS_CONNECTOR_JOBS_QUEUE_URL'),
    ...(env.PANOPS_CONNECTOR_JOBS_DLQ_URL
      ? { connectorJobsDeadLetterQueueUrl: env.PANOPS_CONNECTOR_JOBS_DLQ_URL }
      : {}),
    transcriptionJobsQueueUrl: required(env, 'PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL'),
    cursorTableName: required(env, 'PANOPS_CURSOR_TABLE_NAME'),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    customerDatabases: jsonObject<string>(env, 'PANOPS_CUSTOMER_DATABASES'),
    archiveTargets: jsonObject<ArchiveTarget>(env, 'ARCHIVE_TARGETS'),
  };
  if (!settings.databaseUrl && Object.keys(settings.customerDatabases).length === 0) {
    throw new Error('connector worker: set DATABASE_URL or PANOPS_CUSTOMER_DATABASES');
  }
  return settings;
};

/** The connectors the AWS workers run (the messaging connectors add theirs here). */
export const awsConnectors = Connectors.layer([makeGmailConnector(), makeM365Connector()]).pipe(
  Layer.provide(Layer.merge(FetchHttpClient.layer, secretsManagerCredentialsLayer())),
);

/** Everything `runJob` needs for the customers of one database. */
export const awsPipelineLayer = (
  settings: AwsPipelineEnvironment,
  databaseUrl: string,
): Layer.Layer<RunJobServices, unknown> => {
  const tenant = TenantSql.layer().pipe(Layer.provide(postgresDatabaseLayer({ url: databaseUrl })));
  const archive = s3ArchiveStoreLayer({ targetFor: (customerId) => settings.archiveTargets[customerId] });
  const ingest = sqlIngestLayer().pipe(
    Layer.provide(
      Layer.mergeAll(tenant, archive, sqsTranscriptionJobsLayer({ queueUrl: settings.transcriptionJobsQueueUrl })),
    ),
  );
  return Layer.mergeAll(
    awsConnectors,
    ingest,
    dynamoCursorStoreLayer({ tableName: settings.cursorTableName }),
    sqlConnectorStatusLayer.pipe(Layer.provide(tenant)),
  );
};

/** Routes each job to its customer's database (one pool per database, built on first use). */
export const awsJobRunnerLayer = (settings: AwsPipelineEnvironment): Layer.Layer<JobRunner> =>
  JobRunner.routed((customerId) => {
    const url = settings.customerDatabases[customerId] ?? settings.databaseUrl;
    return url ? { key: new URL(url).host + new URL(url).pathname, layer: awsPipelineLayer(settings, url) } : undefined;
  });
