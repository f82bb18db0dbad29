import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { Cause, Effect, Exit, Layer, Option, Redacted } from 'effect';
import { afterEach, describe, expect, it } from 'vitest';
import { runScheduledJob } from '../../../src/services/connectors/poll.lambda.js';
import { localDirectoryOverride } from '../../../src/services/directory/local.js';
import { awsConnectorWorkerLayer, awsPipelineConfig } from '../../../src/services/pipeline/aws-environment.js';
import { BadPayload, type JobError, Transient } from '../../../src/services/pipeline/errors.js';
import type { ConnectorJob } from '../../../src/services/pipeline/job.js';
import { sqsJobQueueLayer } from '../../../src/services/queue/job-queue.js';
import { JobRunner } from '../../../src/services/queue/job-runner.js';
import { configErrorOf, envConfigLayer, readConfig } from '../../support/config.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/100000000003/connector-jobs';
const scheduled: ConnectorJob = {
  version: 1,
  jobId: 'schedule-m365-mail-2025-01-06T12:00:00Z',
  customerId: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01',
  connectorId: 'm365-mail',
  platform: 'm365',
  kind: 'poll',
  requestedAt: '2025-01-06T12:00:00Z',
  params: { mailbox: 'trader@acme.example' },
};

const invoke = (event: unknown, result: Effect.Effect<{ more: boolean }, JobError>) =>
  Effect.runPromiseExit(
    runScheduledJob(event).pipe(
      Effect.provide(
        Layer.mergeAll(
          Layer.succeed(JobRunner, { run: (job) => Effect.map(result, (o) => ({ job, scopes: [], ...o })) }),
          sqsJobQueueLayer({ queueUrl: QUEUE, client: { region: 'us-east-1' } }),
        ),
      ),
    ),
  );

describe('connector poll Lambda, invoked by the scheduler with a job', () => {
  it('runs the job and hands nothing to the queue when it completes', async () => {
    const exit = await invoke(scheduled, Effect.succeed({ more: false }));
    expect(Exit.isSuccess(exit)).toBe(true);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('hands a job that failed transiently to the connector-jobs queue, where the workers retry it', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'q1' });
    const exit = await invoke(scheduled, Effect.fail(new Transient({ source: 'm365', detail: '503' })));
    expect(Exit.isSuccess(exit)).toBe(true);
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toEqual(scheduled);
  });

  it('queues a continuation when the round hit its page limit', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'q2' });
    await invoke(scheduled, Effect.succeed({ more: true }));
    expect(JSON.parse(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input.MessageBody ?? '{}')).toMatchObject({
      jobId: `${scheduled.jobId}+`,
      connectorId: 'm365-mail',
    });
  });

  it('fails on a malformed scheduler payload, so Lambda dead-letters it with the error', async () => {
    const exit = await invoke({ ...scheduled, customerId: 'acme' }, Effect.succeed({ more: false }));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain('BadPayload');
    const failing = await invoke(scheduled, Effect.fail(new BadPayload({ subject: 'response', reason: 'garbage' })));
    expect(Exit.isFailure(failing)).toBe(true);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });
});

describe('AWS worker environment', () => {
  const base = {
    PANOPS_CONNECTOR_JOBS_QUEUE_URL: QUEUE,
    PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: `${QUEUE}-transcription`,
    PANOPS_CURSOR_TABLE_NAME: 'panops-connector-cursors',
  };

  it('reads the shared compute contract and, for local runs, the directory override’s data locations', () => {
    expect(readConfig(awsPipelineConfig, { ...base, PANOPS_CONNECTOR_JOBS_DLQ_URL: `${QUEUE}-dlq` })).toEqual({
      connectorJobsQueueUrl: QUEUE,
      connectorJobsDeadLetterQueueUrl: `${QUEUE}-dlq`,
      transcriptionJobsQueueUrl: `${QUEUE}-transcription`,
      cursorTableName: 'panops-connector-cursors',
    });
    const override = Option.getOrThrow(
      readConfig(localDirectoryOverride, {
        ...base,
        PANOPS_CUSTOMER_DATABASES: JSON.stringify({
          [scheduled.customerId]: 'postgres://panops_app:secret@acme-db:5432/archive',
        }),
        ARCHIVE_TARGETS: JSON.stringify({
          [scheduled.customerId]: { bucket: 'acme-archive', kmsKeyId: 'arn:aws:kms:us-east-1:2:key/k' },
        }),
      }),
    );
    expect(override.archiveTargets[scheduled.customerId]?.bucket).toBe('acme-archive');
    const database = override.customerDatabases[scheduled.customerId];
    expect(database && Redacted.value(database)).toContain('acme-db');
    // The URLs carry passwords: redacted wherever the settings are printed.
    expect(JSON.stringify(override)).not.toContain('secret');
  });

  it('refuses to start without its queue, naming it; databases come from the customer directory, not the environment', async () => {
    expect(configErrorOf(awsPipelineConfig, { ...base, PANOPS_CONNECTOR_JOBS_QUEUE_URL: '' })).toMatch(
      /PANOPS_CONNECTOR_JOBS_QUEUE_URL/,
    );
    // What the shared compute stack sets is enough (src/services/directory resolves each customer).
    expect(readConfig(awsPipelineConfig, base)).not.toHaveProperty('connectorJobsDeadLetterQueueUrl');
    expect(readConfig(localDirectoryOverride, base)).toEqual(Option.none());
    // A malformed override stops the worker's services when they are built, naming the variable.
    const exit = await Effect.runPromiseExit(
      Effect.void.pipe(
        Effect.provide(
          awsConnectorWorkerLayer(readConfig(awsPipelineConfig, base)).pipe(
            Layer.provide(envConfigLayer({ ...base, DATABASE_URL: 'postgres://x', ARCHIVE_TARGETS: '{nope' })),
          ),
        ),
      ),
    );
    expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toMatch(/ConfigError[\s\S]*ARCHIVE_TARGETS/);
  });
});
