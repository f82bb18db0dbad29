import { Config, Effect, Layer, ManagedRuntime, Option } from 'effect';
import { RUNTIME_ENV } from '../../contracts/runtime-env.js';
import type { ArchiveStore } from '../archive/archive-store.js';
import { localCustomerDirectoryLayer, localDirectoryOverride } from '../directory/local.js';
import { directoryRawEventArchiveLayer, ssmRawEventArchiveLayer } from '../directory/raw-event-archive.js';
import { sqsConnectorJobSubmitterLayer } from './connector-jobs.js';
import { handleWebhook } from './handler.js';
import { queueingWebhookIntakeLayer } from './intake.js';
import { dynamoReplayGuardLayer } from './replay-guard.js';
import { lowerCaseHeaders, type WebhookRequest, type WebhookResponse } from './request.js';
import { secretsManagerWebhookSecretsLayer } from './secrets.js';

/**
 * The event API Gateway HTTP APIs (payload format 2.0) and Lambda function
 * URLs deliver; only the fields the handler reads.
 */
export interface HttpApiEvent {
  readonly rawPath: string;
  readonly rawQueryString?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly requestContext: { readonly domainName: string; readonly http: { readonly method: string } };
}

export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The provider-facing request from the Lambda event: the raw body exactly as sent, the URL as the provider called it. */
export const toWebhookRequest = (event: HttpApiEvent): WebhookRequest => {
  const headers = lowerCaseHeaders(event.headers ?? {});
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  const host = headers['x-forwarded-host'] ?? event.requestContext.domainName;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    url: `https://${host}${event.rawPath}${query}`,
    query: Object.fromEntries(new URLSearchParams(event.rawQueryString ?? '').entries()),
    headers,
    body:
      event.body === undefined
        ? ''
        : event.isBase64Encoded
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : event.body,
  };
};

export const toHttpApiResult = (response: WebhookResponse): HttpApiResult => ({
  statusCode: response.status,
  headers: response.headers,
  body: response.body,
});

/** Settings from the function's environment (set by the shared compute stack, `src/contracts/runtime-env.ts`). */
export interface WebhookLambdaEnvironment {
  /** DynamoDB table (pk, TTL expiresAt) for the replay guard: the cursor table serves. */
  readonly replayTable: string;
  /** The connector-jobs queue. */
  readonly connectorJobsQueueUrl: string;
  // Each customer's archive bucket comes from the customer directory (src/services/directory), not from here:
  // bucket names live in the customer accounts, and 1,000 customers do not fit in 4 KB of environment.
}

/** The webhook Lambda's settings; a missing variable is a ConfigError naming it. */
export const webhookLambdaConfig: Config.Config<WebhookLambdaEnvironment> = Config.all({
  replayTable: Config.String(RUNTIME_ENV.cursorTableName),
  connectorJobsQueueUrl: Config.String(RUNTIME_ENV.connectorJobsQueueUrl),
});

/**
 * Where the handler puts raw events: never with a customer's data-access
 * role (issue #18 item 5), but with the data account's write-only raw event
 * writer, under `<customer prefix>raw/` (`ssmRawEventArchiveLayer`); in local
 * runs (the directory override) under the same `raw/` prefix of the located
 * customer.
 */
export const rawEventArchiveLayer: Layer.Layer<ArchiveStore, Config.ConfigError> = Layer.unwrap(
  Effect.map(
    localDirectoryOverride,
    Option.match({
      onNone: () => ssmRawEventArchiveLayer({ sessionNamePrefix: 'panops-webhook' }),
      onSome: (override) => directoryRawEventArchiveLayer().pipe(Layer.provide(localCustomerDirectoryLayer(override))),
    }),
  ),
);

/** The AWS layers of the webhook Lambda. @param archive where raw events go (`rawEventArchiveLayer`) */
export const webhookLambdaLayer = (
  settings: WebhookLambdaEnvironment,
  archive: Layer.Layer<ArchiveStore, Config.ConfigError> = rawEventArchiveLayer,
) =>
  Layer.mergeAll(
    secretsManagerWebhookSecretsLayer(),
    dynamoReplayGuardLayer({ tableName: settings.replayTable }),
    queueingWebhookIntakeLayer.pipe(
      Layer.provide(archive),
      Layer.provide(sqsConnectorJobSubmitterLayer({ queueUrl: settings.connectorJobsQueueUrl })),
    ),
  );

let runtime:
  | ManagedRuntime.ManagedRuntime<Layer.Success<ReturnType<typeof webhookLambdaLayer>>, Config.ConfigError>
  | undefined;

/**
 * Lambda entry: one runtime per container (clients and the secret cache
 * survive between invocations). Its configuration is read when the first
 * invocation builds it: a missing variable fails that invocation with a
 * ConfigError naming it.
 */
export const handler = async (event: HttpApiEvent): Promise<HttpApiResult> => {
  runtime ??= ManagedRuntime.make(
    Layer.unwrap(Effect.map(webhookLambdaConfig, (settings) => webhookLambdaLayer(settings))),
  );
  return toHttpApiResult(await runtime.runPromise(handleWebhook(toWebhookRequest(event))));
};
