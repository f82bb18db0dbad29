import type { SQSClientConfig } from '@aws-sdk/client-sqs';
import { Context, Effect, Layer } from 'effect';
import { type ConnectorJob, encodeJob } from '../pipeline/job.js';
import { customerMessageSender } from '../queue/customer-message.js';

/** Puts connector jobs on the connector-jobs queue (recording downloads, Graph fetches triggered by a webhook). */
export class ConnectorJobSubmitter extends Context.Service<
  ConnectorJobSubmitter,
  { readonly submit: (job: ConnectorJob) => Effect.Effect<void, Error> }
>()('panops/webhooks/ConnectorJobSubmitter') {}

/** SQS: the job as the pipeline's job schema encodes it; the job id is the dedupe id downstream. */
export const sqsConnectorJobSubmitterLayer = (options: {
  readonly queueUrl: string;
  readonly client?: SQSClientConfig;
}) =>
  Layer.effect(
    ConnectorJobSubmitter,
    Effect.map(customerMessageSender(options), (send) =>
      ConnectorJobSubmitter.of({
        submit: Effect.fn('ConnectorJobSubmitter.submit')(function* (job: ConnectorJob) {
          yield* send(job.customerId, encodeJob(job)).pipe(
            Effect.mapError((cause) => new Error(`enqueueing ${job.platform} job ${job.jobId}: ${String(cause)}`)),
          );
        }),
      }),
    ),
  );

/** In memory (tests, local runs): jobs are appended to `sink`. */
export const memoryConnectorJobSubmitterLayer = (sink: ConnectorJob[] = []) =>
  Layer.succeed(
    ConnectorJobSubmitter,
    ConnectorJobSubmitter.of({
      submit: Effect.fn('ConnectorJobSubmitter.submit')(function* (job: ConnectorJob) {
        yield* Effect.sync(() => sink.push(job));
      }),
    }),
  );
