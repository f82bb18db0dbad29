import { Effect, Option } from 'effect';
import { runEntryPoint } from '../../common/cli-runner.js';
import { localDirectoryOverride } from '../directory/local.js';
import { awsConnectorWorkerLayer, awsPipelineConfig } from '../pipeline/aws-environment.js';
import { isSelfCheck, passSelfCheck } from '../runtime/self-check.js';
import { runWorker } from './consumer.js';
import { workerConcurrency } from './worker-settings.js';

/**
 * The Fargate connector worker: long-polls the connector-jobs queue and runs
 * each job on the same pipeline as the Lambda. On SIGTERM (Spot reclaim,
 * deploys) runEntryPoint interrupts the loop: jobs in hand are interrupted
 * before their delete, so their messages come back and are redone
 * idempotently — nothing is acknowledged that was not stored. A missing or
 * malformed variable stops it with `error:` and the variable's name.
 */
const program = Effect.gen(function* () {
  const settings = yield* awsPipelineConfig;
  const concurrency = yield* workerConcurrency;
  if (isSelfCheck())
    passSelfCheck('connector-worker', {
      connectorJobsQueueUrl: settings.connectorJobsQueueUrl,
      transcriptionJobsQueueUrl: settings.transcriptionJobsQueueUrl,
      cursorTableName: settings.cursorTableName,
      concurrency,
      // The directory reads its override when its layer is built; the check reads it now, as a start would.
      directory: Option.isSome(yield* localDirectoryOverride) ? 'local override' : 'aws',
    });
  return yield* runWorker({ concurrency }).pipe(Effect.provide(awsConnectorWorkerLayer(settings)));
});

runEntryPoint(program);
