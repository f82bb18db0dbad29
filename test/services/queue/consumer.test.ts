import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { it as effectIt } from '@effect/vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { Deferred, Effect, Fiber, Layer } from 'effect';
import { TestClock } from 'effect/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthExpired, type JobError, RateLimited, Transient } from '../../../src/services/pipeline/errors.js';
import { type ConnectorJob, encodeJob } from '../../../src/services/pipeline/job.js';
import { PipelineSettings } from '../../../src/services/pipeline/policy.js';
import type { JobOutcome } from '../../../src/services/pipeline/runner.js';
import { handleSqsEvent, pollOnce } from '../../../src/services/queue/consumer.js';
import { sqsJobQueueLayer } from '../../../src/services/queue/job-queue.js';
import { JobRunner } from '../../../src/services/queue/job-runner.js';
import { FAST_SETTINGS } from '../pipeline/support/harness.js';

const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/100000000003/connector-jobs';
const DLQ = 'https://sqs.us-east-1.amazonaws.com/100000000003/connector-jobs-dlq';

const job = (jobId: string, extra: Partial<ConnectorJob> = {}): ConnectorJob => ({
  version: 1,
  jobId,
  customerId: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01',
  connectorId: 'gmail',
  platform: 'gmail',
  kind: 'poll',
  requestedAt: '2025-01-06T10:00:00Z',
  ...extra,
});

const sqsMessage = (id: string, body: string, receiveCount = 1) => ({
  MessageId: id,
  ReceiptHandle: `rh-${id}`,
  Body: body,
  Attributes: { ApproximateReceiveCount: String(receiveCount) },
});

/** A runner whose behaviour per jobId the test chooses. */
const runnerLayer = (
  behaviour: (job: ConnectorJob) => Effect.Effect<Partial<JobOutcome>, JobError>,
  calls: string[] = [],
) =>
  Layer.succeed(JobRunner, {
    run: (j) =>
      Effect.suspend(() => {
        calls.push(j.jobId);
        return Effect.map(behaviour(j), (o) => ({ job: j, scopes: [], more: false, ...o }));
      }),
  });

const layers = (runner: Layer.Layer<JobRunner>, visibilityTimeoutSeconds = 1800) =>
  Layer.mergeAll(
    runner,
    sqsJobQueueLayer({
      queueUrl: QUEUE,
      deadLetterQueueUrl: DLQ,
      client: { region: 'us-east-1' },
      visibilityTimeoutSeconds,
    }),
    Layer.succeed(PipelineSettings, { ...FAST_SETTINGS, backoffBaseMs: 4000, backoffMaxMs: 60_000 }),
  );

/** Lets the mocked SDK's promises settle (no time passes) until `done` holds; fails after 1,000 turns. */
const settledWhen = (done: () => boolean) =>
  Effect.gen(function* () {
    for (let turn = 0; turn < 1000; turn++) {
      if (done()) return;
      yield* Effect.yieldNow;
    }
    return yield* Effect.die(new Error('the condition never held'));
  });

const deletedHandles = () =>
  sqs
    .commandCalls(DeleteMessageBatchCommand)
    .flatMap((c) => (c.args[0].input.Entries ?? []).map((e) => e.ReceiptHandle));

describe('SQS job consumer (Fargate worker)', () => {
  it('long-polls for a batch with the 30-minute visibility timeout and the receive count', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [] });
    await Effect.runPromise(pollOnce().pipe(Effect.provide(layers(runnerLayer(() => Effect.succeed({}))))));
    const input = sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      QueueUrl: QUEUE,
      WaitTimeSeconds: 20,
      MaxNumberOfMessages: 10,
      VisibilityTimeout: 1800,
    });
    expect(input?.MessageSystemAttributeNames).toContain('ApproximateReceiveCount');
  });

  it('deletes only the messages whose work was stored; a transient failure stays and comes back after a backoff', async () => {
    sqs.on(ReceiveMessageCommand).resolves({
      Messages: [sqsMessage('a', encodeJob(job('ok'))), sqsMessage('b', encodeJob(job('flaky')), 2)],
    });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
    const runner = runnerLayer((j) =>
      j.jobId === 'ok' ? Effect.succeed({}) : Effect.fail(new Transient({ source: 'gmail', detail: '503' })),
    );
    await Effect.runPromise(pollOnce().pipe(Effect.provide(layers(runner))));
    expect(deletedHandles()).toEqual(['rh-a']);
    const delay = sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
    expect(delay).toHaveLength(1);
    expect(delay[0]?.ReceiptHandle).toBe('rh-b');
    // Second receive: backoff between 4 s and 8 s (base 4 s doubled once, jittered).
    expect(delay[0]?.VisibilityTimeout).toBeGreaterThanOrEqual(4);
    expect(delay[0]?.VisibilityTimeout).toBeLessThanOrEqual(8);
  });

  it('sends a malformed job to the dead-letter queue with the reason, deletes it, and never runs it', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [sqsMessage('bad', '{"version":1,"customerId":"acme"}')] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const calls: string[] = [];
    await Effect.runPromise(pollOnce().pipe(Effect.provide(layers(runnerLayer(() => Effect.succeed({}), calls)))));
    expect(calls).toEqual([]);
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(DLQ);
    expect(sent?.MessageBody).toBe('{"version":1,"customerId":"acme"}');
    expect(sent?.MessageAttributes?.reason?.StringValue).toMatch(/^job: /);
    expect(sent?.MessageAttributes?.sourceMessageId?.StringValue).toBe('bad');
    expect(deletedHandles()).toEqual(['rh-bad']);
  });

  it('a rate-limited job is hidden for exactly Retry-After and not deleted', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [sqsMessage('r', encodeJob(job('limited')))] });
    const runner = runnerLayer(() =>
      Effect.fail(new RateLimited({ platform: 'm365', retryAfterMs: 600_000, detail: '429' })),
    );
    await Effect.runPromise(pollOnce().pipe(Effect.provide(layers(runner))));
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.VisibilityTimeout).toBe(600);
    expect(deletedHandles()).toEqual([]);
  });

  it('expired credentials acknowledge the job (the connector is marked; retries cannot help)', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [sqsMessage('x', encodeJob(job('revoked')))] });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    const runner = runnerLayer(() => Effect.fail(new AuthExpired({ platform: 'gmail', detail: 'invalid_grant' })));
    await Effect.runPromise(pollOnce().pipe(Effect.provide(layers(runner))));
    expect(deletedHandles()).toEqual(['rh-x']);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  effectIt.effect('keeps a long job invisible with a visibility heartbeat until it is stored', () =>
    Effect.gen(function* () {
      sqs.on(ReceiveMessageCommand).resolves({ Messages: [sqsMessage('long', encodeJob(job('long')))] });
      sqs.on(ChangeMessageVisibilityCommand).resolves({});
      sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
      const started = yield* Deferred.make<void>();
      // A job of 2.5 s (virtual time) against a 3-second visibility timeout: renewed every second.
      const runner = runnerLayer(() =>
        Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.sleep('2500 millis')), Effect.as({})),
      );
      const poll = yield* Effect.forkChild(pollOnce().pipe(Effect.provide(layers(runner, 3))));
      yield* Deferred.await(started);
      const beats = () => sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input);
      for (const beat of [1, 2]) {
        yield* TestClock.adjust('1 second');
        yield* settledWhen(() => beats().length === beat);
        expect(deletedHandles()).toEqual([]);
      }
      yield* TestClock.adjust('500 millis');
      yield* Fiber.join(poll);
      expect(beats()).toHaveLength(2);
      expect(beats().every((b) => b.VisibilityTimeout === 3 && b.ReceiptHandle === 'rh-long')).toBe(true);
      expect(deletedHandles()).toEqual(['rh-long']);
    }),
  );

  it('queues a continuation before acknowledging a round that hit the page limit', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [sqsMessage('big', encodeJob(job('big')))] });
    sqs.on(SendMessageCommand).resolves({ MessageId: 'next' });
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }] });
    await Effect.runPromise(pollOnce().pipe(Effect.provide(layers(runnerLayer(() => Effect.succeed({ more: true }))))));
    const sent = sqs.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(QUEUE);
    expect(JSON.parse(sent?.MessageBody ?? '{}')).toMatchObject({ jobId: 'big+', connectorId: 'gmail' });
    expect(deletedHandles()).toEqual(['rh-big']);
  });
});

describe('SQS job consumer (Lambda)', () => {
  it('reports only the retriable failures as batch item failures', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq' });
    const runner = runnerLayer((j) =>
      j.jobId === 'flaky'
        ? Effect.fail(new Transient({ source: 'database', detail: 'connection lost' }))
        : Effect.succeed({}),
    );
    const response = await Effect.runPromise(
      handleSqsEvent({
        Records: [
          { messageId: 'm1', receiptHandle: 'h1', body: encodeJob(job('ok')) },
          {
            messageId: 'm2',
            receiptHandle: 'h2',
            body: encodeJob(job('flaky')),
            attributes: { ApproximateReceiveCount: '3' },
          },
          { messageId: 'm3', receiptHandle: 'h3', body: 'not json' },
        ],
      }).pipe(Effect.provide(layers(runner))),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }]);
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input.QueueUrl)).toEqual([DLQ]);
  });
});
