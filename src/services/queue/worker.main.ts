import { Effect, Layer } from 'effect';
import { runEntryPoint } from '../../common/cli-runner.js';
import { awsJobRunnerLayer, readAwsEnvironment } from '../pipeline/aws-environment.js';
import { isSelfCheck, passSelfCheck } from '../runtime/self-check.js';
import { runWorker } from './consumer.js';
import { sqsJobQueueLayer } from './job-queue.js';

/**
 * The Fargate connector worker: long-polls the connector-jobs queue and runs
 * each job on the same pipeline as the Lambda. On SIGTERM (Spot reclaim,
 * deploys) runEntryPoint interrupts the loop: jobs in hand are interrupted
 * before their delete, so their messages come back and are redone
 * idempotently — nothing is acknowledged that was not stored.
 */
const settings = readAwsEnvironment(process.env);
const concurrency = Number(process.env.PANOPS_WORKER_CONCURRENCY ?? 4);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(
    `connector worker: PANOPS_WORKER_CONCURRENCY must be a positive integer, got ${process.env.PANOPS_WORKER_CONCURRENCY}`,
  );
if (isSelfCheck())
  passSelfCheck('connector-worker', {
    connectorJobsQueueUrl: settings.connectorJobsQueueUrl,
    transcriptionJobsQueueUrl: settings.transcriptionJobsQueueUrl,
    cursorTableName: settings.cursorTableName,
    concurrency,
  });
const layer = Layer.mergeAll(
  awsJobRunnerLayer(settings),
  sqsJobQueueLayer({
    queueUrl: settings.connectorJobsQueueUrl,
    ...(settings.connectorJobsDeadLetterQueueUrl
      ? { deadLetterQueueUrl: settings.connectorJobsDeadLetterQueueUrl }
      : {}),
  }),
);

runEntryPoint(runWorker({ concurrency }).pipe(Effect.provide(layer)));
