import { SendMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { Effect, type Scope } from 'effect';
import { scopedClient } from '../aws/scoped-client.js';

/**
 * One customer's job as an SQS message: the body as given, and the customer
 * as a message attribute, so consumers and dead-letter triage see whose work
 * it is without decoding the body.
 */
export const customerMessage = (queueUrl: string, customerId: string, body: string): SendMessageCommand =>
  new SendMessageCommand({
    QueueUrl: queueUrl,
    MessageBody: body,
    MessageAttributes: { customerId: { DataType: 'String', StringValue: customerId } },
  });

/** Sends one customer's message to a queue; fails with what the SDK rejected with. */
export type CustomerMessageSender = (customerId: string, body: string) => Effect.Effect<void, unknown>;

/** A sender to one queue over an SQS client that lives as long as the layer that acquires it. */
export const customerMessageSender = (options: {
  readonly queueUrl: string;
  readonly client?: SQSClientConfig;
}): Effect.Effect<CustomerMessageSender, never, Scope.Scope> =>
  Effect.map(
    scopedClient(() => new SQSClient(options.client ?? {})),
    (client) => (customerId, body) =>
      Effect.tryPromise({
        try: (signal) => client.send(customerMessage(options.queueUrl, customerId, body), { abortSignal: signal }),
        catch: (cause) => cause,
      }).pipe(Effect.asVoid),
  );
