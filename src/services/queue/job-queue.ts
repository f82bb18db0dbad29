import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import { Context, Effect, Layer } from 'effect';
import { scopedClient } from '../aws/scoped-client.js';
import { Transient, transientFrom } from '../pipeline/errors.js';
import { type ConnectorJob, encodeJob } from '../pipeline/job.js';
import { customerMessage } from './customer-message.js';

/** A received message: enough to process, extend, delete or dead-letter it. */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS ApproximateReceiveCount: 1 on first delivery. */
  readonly receiveCount: number;
}

/** SQS's limit on a visibility timeout: 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The connector-jobs queue. The consumer decides; this service only speaks
 * SQS: long-poll receive, batch delete, visibility changes (heartbeat and
 * delayed retry), explicit dead-lettering with a reason, and sending jobs.
 */
export class JobQueue extends Context.Service<
  JobQueue,
  {
    readonly receive: Effect.Effect<readonly ReceivedMessage[], Transient>;
    readonly delete: (messages: readonly ReceivedMessage[]) => Effect.Effect<void, Transient>;
    /** Sets the message's visibility timeout from now (heartbeat, or a delayed retry). */
    readonly setVisibility: (message: ReceivedMessage, seconds: number) => Effect.Effect<void, Transient>;
    /** Copies the message to the dead-letter queue with the reason; the caller then deletes it. */
    readonly deadLetter: (message: ReceivedMessage, reason: string) => Effect.Effect<void, Transient>;
    readonly send: (job: ConnectorJob) => Effect.Effect<void, Transient>;
    /** The queue's visibility timeout, which the heartbeat keeps renewing. */
    readonly visibilityTimeoutSeconds: number;
  }
>()('panops/queue/JobQueue') {}

export interface SqsJobQueueOptions {
  readonly queueUrl: string;
  /**
   * Where a job that can never succeed is copied with its reason. Without it
   * such a job is left for SQS's redrive (moved after 3 receives; the reason is in the logs).
   */
  readonly deadLetterQueueUrl?: string;
  /** Client settings (region; tests mock the client). @default the SDK's defaults */
  readonly client?: SQSClientConfig;
  /** Long polling wait (SQS maximum 20 s). @default 20 */
  readonly waitTimeSeconds?: number;
  /** Messages per receive (SQS maximum 10). @default 10 */
  readonly maxMessages?: number;
  /** Visibility timeout of received messages (the seed: 30 minutes). @default 1800 */
  readonly visibilityTimeoutSeconds?: number;
}

const transient = transientFrom('queue');

export const sqsJobQueueLayer = (options: SqsJobQueueOptions): Layer.Layer<JobQueue> =>
  Layer.effect(
    JobQueue,
    scopedClient(() => new SQSClient(options.client ?? {})).pipe(
      Effect.map((client) => {
        const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 1800;
        // biome-ignore lint/suspicious/noExplicitAny: one helper for every SQS command
        const send = <T>(command: any, what: string) =>
          Effect.tryPromise({
            try: (signal) => client.send(command, { abortSignal: signal }) as Promise<T>,
            catch: transient(what),
          });

        const receive = send<{ Messages?: Array<Record<string, unknown>> }>(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            WaitTimeSeconds: options.waitTimeSeconds ?? 20,
            MaxNumberOfMessages: options.maxMessages ?? 10,
            VisibilityTimeout: visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
            MessageAttributeNames: ['All'],
          }),
          'receiving jobs',
        ).pipe(
          Effect.map((out) =>
            (out.Messages ?? []).map(
              (m): ReceivedMessage => ({
                messageId: String(m.MessageId ?? ''),
                receiptHandle: String(m.ReceiptHandle ?? ''),
                body: String(m.Body ?? ''),
                receiveCount: Number(
                  (m.Attributes as Record<string, string> | undefined)?.ApproximateReceiveCount ?? 1,
                ),
              }),
            ),
          ),
        );

        const deleteMessages = Effect.fn('JobQueue.delete')(function* (messages: readonly ReceivedMessage[]) {
          // DeleteMessageBatch takes at most 10 entries.
          for (let start = 0; start < messages.length; start += 10) {
            const chunk = messages.slice(start, start + 10);
            const out = yield* send<{ Failed?: Array<{ Id?: string; Message?: string }> }>(
              new DeleteMessageBatchCommand({
                QueueUrl: options.queueUrl,
                Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.receiptHandle })),
              }),
              'deleting jobs',
            );
            if (out.Failed && out.Failed.length > 0)
              return yield* new Transient({
                source: 'queue',
                detail: `delete failed for ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Message).join('; ')}`,
              });
          }
        });

        const setVisibility = Effect.fn('JobQueue.setVisibility')(function* (
          message: ReceivedMessage,
          seconds: number,
        ) {
          yield* send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: options.queueUrl,
              ReceiptHandle: message.receiptHandle,
              VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(seconds))),
            }),
            'changing visibility',
          );
        });

        const deadLetter = Effect.fn('JobQueue.deadLetter')(function* (message: ReceivedMessage, reason: string) {
          if (options.deadLetterQueueUrl === undefined)
            return yield* new Transient({
              source: 'queue',
              detail: `no dead-letter queue configured; left for redrive: ${reason}`,
            });
          yield* send(
            new SendMessageCommand({
              QueueUrl: options.deadLetterQueueUrl,
              MessageBody: message.body,
              MessageAttributes: {
                reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
                sourceMessageId: { DataType: 'String', StringValue: message.messageId },
                receiveCount: { DataType: 'Number', StringValue: String(message.receiveCount) },
              },
            }),
            'dead-lettering a job',
          );
        });

        const sendJob = Effect.fn('JobQueue.send')(function* (job: ConnectorJob) {
          yield* send(customerMessage(options.queueUrl, job.customerId, encodeJob(job)), 'sending a job');
        });

        return JobQueue.of({
          receive,
          delete: deleteMessages,
          setVisibility,
          deadLetter,
          send: sendJob,
          visibilityTimeoutSeconds,
        });
      }),
    ),
  );
