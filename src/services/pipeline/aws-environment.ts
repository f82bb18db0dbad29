import type { PgClient } from '@effect/sql-pg';
import { Config, Effect, Layer, Option } from 'effect';
import { FetchHttpClient, type HttpClient } from 'effect/http';
import type { SqlClient } from 'effect/sql';
import { RUNTIME_ENV } from '../../contracts/runtime-env.js';
import type { LargeObjectArchive } from '../archive/large-object.js';
import { providerConnectors } from '../connectors/providers.js';
import { dynamoCursorStoreLayer } from '../cursor/dynamodb.js';
import { TenantSql } from '../db/tenant-sql.js';
import {
  directoryS3ArchiveStoreLayer,
  directoryS3LargeObjectArchiveLayer,
  directoryS3ObjectRetentionLayer,
} from '../directory/archive.js';
import { CustomerDirectory, databasePoolKey } from '../directory/customer-directory.js';
import { directoryDatabaseLayer } from '../directory/database.js';
import { customerDirectoryLayerFor } from '../directory/environment.js';
import { directoryJobError } from '../directory/errors.js';
import { sqsJobQueueLayer } from '../queue/job-queue.js';
import { JobRunner, type RunJobServices } from '../queue/job-runner.js';
import { sqsTranscriptionJobsLayer, type TranscriptionJobs } from '../queue/transcription-jobs.js';
import { Reconciler } from '../reconcile/reconcile-job.js';
import { Connectors } from './connector.js';
import { sqlConnectorStatusLayer } from './connector-status-sql.js';
import type { ConnectorCredentials } from './credentials.js';
import { secretsManagerCredentialsLayer } from './credentials.js';
import { sqlIngestLayer } from './ingest-sql.js';

/**
 * What the AWS entry points (the poll Lambda, the Fargate worker) read from
 * their environment: the shared compute stack's contract
 * (`src/contracts/runtime-env.ts`). Where each customer's data lives comes
 * from the customer directory (`src/services/directory`), which reads its own
 * local override (`customerDirectoryLayerFor`).
 */
export interface AwsPipelineEnvironment {
  readonly connectorJobsQueueUrl: string;
  /** Where a job that can never succeed is copied with its reason; without it, SQS's redrive moves it after 3 receives. */
  readonly connectorJobsDeadLetterQueueUrl?: string;
  readonly transcriptionJobsQueueUrl: string;
  readonly cursorTableName: string;
}

/** The pipeline's settings; a variable missing is a ConfigError naming it. */
export const awsPipelineConfig: Config.Config<AwsPipelineEnvironment> = Config.all({
  connectorJobsQueueUrl: Config.String(RUNTIME_ENV.connectorJobsQueueUrl),
  connectorJobsDeadLetterQueueUrl: Config.option(Config.String(RUNTIME_ENV.connectorJobsDeadLetterQueueUrl)),
  transcriptionJobsQueueUrl: Config.String(RUNTIME_ENV.transcriptionJobsQueueUrl),
  cursorTableName: Config.String(RUNTIME_ENV.cursorTableName),
}).pipe(
  Config.map(({ connectorJobsDeadLetterQueueUrl, ...settings }) => ({
    ...settings,
    ...Option.match(connectorJobsDeadLetterQueueUrl, {
      onNone: () => ({}),
      onSome: (url) => ({ connectorJobsDeadLetterQueueUrl: url }),
    }),
  })),
);

/**
 * Every platform the AWS workers run (the provider registry's connectors): the
 * email connectors, and the messaging connectors, whose recordings stream to the customer's archive (found
 * through the directory) and are queued for transcription.
 */
export const awsConnectors = (
  settings: AwsPipelineEnvironment,
  directory: CustomerDirectory['Service'],
): Layer.Layer<Connectors, never, never> =>
  Connectors.layer<HttpClient.HttpClient | ConnectorCredentials | LargeObjectArchive | TranscriptionJobs>(
    providerConnectors(),
  ).pipe(
    Layer.provide(
      Layer.mergeAll(
        FetchHttpClient.layer,
        secretsManagerCredentialsLayer(),
        directoryS3LargeObjectArchiveLayer().pipe(Layer.provide(Layer.succeed(CustomerDirectory, directory))),
        sqsTranscriptionJobsLayer({ queueUrl: settings.transcriptionJobsQueueUrl }),
      ),
    ),
  );

/** Everything `runJob` needs for the customers of one database, with each customer's archive found through the directory. */
export const awsPipelineLayer = (
  settings: AwsPipelineEnvironment,
  database: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>,
  directory: CustomerDirectory['Service'],
): Layer.Layer<RunJobServices, unknown> => {
  const tenant = TenantSql.layer().pipe(Layer.provide(database));
  const archive = directoryS3ArchiveStoreLayer().pipe(Layer.provide(Layer.succeed(CustomerDirectory, directory)));
  const ingest = sqlIngestLayer().pipe(
    Layer.provide(
      Layer.mergeAll(tenant, archive, sqsTranscriptionJobsLayer({ queueUrl: settings.transcriptionJobsQueueUrl })),
    ),
  );
  const objects = directoryS3ObjectRetentionLayer().pipe(Layer.provide(Layer.succeed(CustomerDirectory, directory)));
  return Layer.mergeAll(
    awsConnectors(settings, directory),
    ingest,
    tenant,
    objects,
    dynamoCursorStoreLayer({ tableName: settings.cursorTableName }),
    sqlConnectorStatusLayer.pipe(Layer.provide(tenant)),
    // `reconcile` jobs (each connector's daily schedule): the provider's listing against this database's archive.
    Reconciler.layer.pipe(Layer.provide(Layer.mergeAll(tenant, secretsManagerCredentialsLayer()))),
  );
};

/**
 * Routes each job to its customer's database, found through the customer
 * directory (one pool per database, built on first use; the pooled
 * customers share one). A customer the directory cannot place is dead-lettered
 * with the reason; a directory outage is retried.
 * @param directory the AWS directory, or the local override (`customerDirectoryLayerFor`)
 */
export const awsJobRunnerLayer = (
  settings: AwsPipelineEnvironment,
  directory: Layer.Layer<CustomerDirectory, Config.ConfigError> = customerDirectoryLayerFor({
    sessionNamePrefix: 'panops-connector',
  }),
): Layer.Layer<JobRunner, Config.ConfigError> =>
  Layer.unwrap(
    Effect.gen(function* () {
      const located = yield* CustomerDirectory;
      return JobRunner.resolvedBy((customerId) =>
        located.locate(customerId).pipe(
          Effect.mapError(directoryJobError),
          Effect.map((location) => ({
            key: databasePoolKey(location),
            layer: awsPipelineLayer(settings, directoryDatabaseLayer(location), located),
          })),
        ),
      );
    }),
  ).pipe(Layer.provide(directory));

/** The connector workers' services (the poll Lambda, the Fargate worker): the job runner and the connector-jobs queue. */
export const awsConnectorWorkerLayer = (settings: AwsPipelineEnvironment) =>
  Layer.mergeAll(
    awsJobRunnerLayer(settings),
    sqsJobQueueLayer({
      queueUrl: settings.connectorJobsQueueUrl,
      ...(settings.connectorJobsDeadLetterQueueUrl
        ? { deadLetterQueueUrl: settings.connectorJobsDeadLetterQueueUrl }
        : {}),
    }),
  );
