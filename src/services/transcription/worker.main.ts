import type { PgClient } from '@effect/sql-pg';
import { Effect, Layer, Option } from 'effect';
import { FetchHttpClient } from 'effect/http';
import type { SqlClient } from 'effect/sql';
import { runEntryPoint } from '../../common/cli-runner.js';
import { TenantSql } from '../db/tenant-sql.js';
import { directoryS3ArchiveStoreLayer } from '../directory/archive.js';
import { CustomerDirectory, databasePoolKey } from '../directory/customer-directory.js';
import { directoryDatabaseLayer } from '../directory/database.js';
import { customerDirectoryLayerFor } from '../directory/environment.js';
import { localDirectoryOverride } from '../directory/local.js';
import { Embeddings } from '../inference/embeddings.js';
import { Indexer } from '../inference/indexer.js';
import { inferenceSettingsFromEnv } from '../inference/settings.js';
import { sqsJobQueueLayer } from '../queue/job-queue.js';
import { isSelfCheck, passSelfCheck } from '../runtime/self-check.js';
import { runTranscriptionConsumer } from './consumer.js';
import { customersServed } from './customers-served.js';
import { resolvedTranscriptionWorker } from './routed.js';
import { Whisper } from './whisper.js';
import { TranscriptionWorker } from './worker.js';
import { transcriptionQueueConfig } from './worker-settings.js';

/**
 * The Whisper worker on the GPU spot instances: long-polls the transcription
 * queue, transcribes, stores segments in the customer's database, then chunks
 * and embeds them through vLLM. Endpoints and models: `PANOPS_WHISPER_URL`,
 * `PANOPS_VLLM_URL`, `PANOPS_EMBEDDINGS_URL` (defaults: the shared compute
 * fleets). Customers and their Whisper models come from the file the image
 * carries, or locally the blueprint (`customersServed`); databases and buckets from the
 * customer directory, like the connector worker. On SIGTERM (Spot reclaim) the job
 * in hand is interrupted before its delete and comes back; stored pieces are
 * not sent to the GPU again.
 */
const customers = customersServed(process.env);
const visibilitySeconds = 30 * 60;

const clients = Layer.mergeAll(Whisper.layer, Embeddings.layer).pipe(Layer.provide(FetchHttpClient.layer));
// Each customer's database and archive come from the customer directory (the local override outside AWS).
const directory = customerDirectoryLayerFor({ sessionNamePrefix: 'panops-transcription' });

const workerFor = (
  database: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, unknown>,
  located: CustomerDirectory['Service'],
) => {
  const tenant = TenantSql.layer().pipe(Layer.provide(database));
  const archive = directoryS3ArchiveStoreLayer().pipe(Layer.provide(Layer.succeed(CustomerDirectory, located)));
  return TranscriptionWorker.layer({ customers, heartbeat: `${visibilitySeconds / 3} seconds` }).pipe(
    Layer.provide(Indexer.layer().pipe(Layer.provide(clients))),
    Layer.provide(clients),
    Layer.provide(Layer.mergeAll(tenant, archive)),
    // Each database's runtime carries the endpoint settings its services read at call time.
    Layer.provideMerge(inferenceSettingsFromEnv),
  );
};

const worker = Layer.effect(
  TranscriptionWorker,
  Effect.gen(function* () {
    const located = yield* CustomerDirectory;
    return yield* resolvedTranscriptionWorker((customerId) =>
      located.locate(customerId).pipe(
        // A customer the directory cannot place is dead-lettered with the reason; an outage is retried.
        Effect.mapError((e) => ({ retry: e._tag === 'DirectoryUnavailable', reason: e.message })),
        Effect.map((location) => ({
          key: databasePoolKey(location),
          layer: workerFor(directoryDatabaseLayer(location), located),
        })),
      ),
    );
  }),
).pipe(Layer.provide(directory));

runEntryPoint(
  Effect.gen(function* () {
    const queue = yield* transcriptionQueueConfig;
    if (isSelfCheck())
      passSelfCheck('transcription-worker', {
        transcriptionJobsQueueUrl: queue.queueUrl,
        customers: customers.length,
        // The directory reads its override when its layer is built; the check reads it now, as a start would.
        directory: Option.isSome(yield* localDirectoryOverride) ? 'local override' : 'aws',
      });
    return yield* runTranscriptionConsumer.pipe(
      Effect.provide(
        Layer.mergeAll(
          worker,
          sqsJobQueueLayer({
            queueUrl: queue.queueUrl,
            visibilityTimeoutSeconds: visibilitySeconds,
            ...Option.match(queue.deadLetterQueueUrl, {
              onNone: () => ({}),
              onSome: (deadLetterQueueUrl) => ({ deadLetterQueueUrl }),
            }),
            // One recording at a time: one GPU per instance.
            maxMessages: 1,
          }),
        ),
      ),
    );
  }),
);
