import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect, Layer, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorStore } from '../../../src/services/cursor/cursor-store.js';
import { localCursorStoreLayer } from '../../../src/services/cursor/local.js';
import { encodeJob } from '../../../src/services/pipeline/job.js';
import { pollOnce } from '../../../src/services/queue/consumer.js';
import { sqsJobQueueLayer } from '../../../src/services/queue/job-queue.js';
import { JobRunner, type RunJobServices } from '../../../src/services/queue/job-runner.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { countAs, createCustomer, pipelineLayer } from '../pipeline/support/harness.js';
import { mailboxConnector, message } from '../pipeline/support/mailbox-connector.js';

const sqs = mockClient(SQSClient);
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  sqs.restore();
  await db.close();
});

describe('a worker that dies after storing but before deleting the message', () => {
  it('on redelivery stores nothing twice, skips nothing, and then deletes the message', async () => {
    const customerId = await createCustomer(db);
    const mailbox = mailboxConnector({ count: 5, pageSize: 2 });
    // One cursor store instance, shared by the worker's runs and the final check.
    const store = await Effect.runPromise(
      Effect.gen(function* () {
        return yield* CursorStore;
      }).pipe(Effect.provide(localCursorStoreLayer())),
    );
    const cursors = Layer.succeed(CursorStore, store);
    const body = encodeJob({
      version: 1,
      jobId: 'poll-1',
      customerId,
      connectorId: 'gmail',
      platform: 'gmail',
      kind: 'poll',
      requestedAt: '2025-01-06T10:00:00Z',
    });
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({
        Messages: [
          { MessageId: 'm', ReceiptHandle: 'first', Body: body, Attributes: { ApproximateReceiveCount: '1' } },
        ],
      })
      .resolvesOnce({
        Messages: [
          { MessageId: 'm', ReceiptHandle: 'second', Body: body, Attributes: { ApproximateReceiveCount: '2' } },
        ],
      });
    // The first delete never happens (the task was reclaimed); the second succeeds.
    sqs
      .on(DeleteMessageBatchCommand)
      .rejectsOnce(new Error('task stopped'))
      .resolves({ Successful: [{ Id: '0' }] });

    const services = pipelineLayer(db, { connectors: [mailbox.make], cursors }) as Layer.Layer<RunJobServices>;
    const layer = Layer.mergeAll(
      JobRunner.fromLayer(services),
      sqsJobQueueLayer({ queueUrl: 'q', deadLetterQueueUrl: 'dlq', client: { region: 'us-east-1' } }),
    );
    const program = Effect.gen(function* () {
      yield* pollOnce();
      // Mail that arrived while the first worker was dying.
      mailbox.messages.push(message(6));
      yield* pollOnce();
    });
    await Effect.runPromise(program.pipe(Effect.provide(layer)));
    const cursor = Option.getOrUndefined(
      await Effect.runPromise(store.get({ customerId, connectorId: 'gmail', scope: 'inbox' })),
    );

    expect(await countAs(db, customerId, 'communications')).toBe(6);
    const deletes = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries?.[0]?.ReceiptHandle);
    expect(deletes).toEqual(['first', 'second']);
    expect(cursor?.value).toBe('6');
  });
});
