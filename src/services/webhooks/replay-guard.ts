import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { Clock, Context, Effect, Layer } from 'effect';
import { causeMessage, scopedClient } from '../aws/scoped-client.js';
import { ReplayGuardUnavailable } from './errors.js';

/**
 * Remembers the provider message ids already received, so a replayed request
 * (captured and resent, or redelivered after we stored it) is refused rather
 * than stored twice. A claim is taken before storing and released if storing
 * fails, so the provider's retry of a failed delivery is not mistaken for a replay.
 */
export class ReplayGuard extends Context.Service<
  ReplayGuard,
  {
    /** True the first time a key is claimed within its retention; false for a replay. */
    readonly claim: (key: string) => Effect.Effect<boolean, ReplayGuardUnavailable>;
    /** Gives a claim back (its delivery was not stored). */
    readonly release: (key: string) => Effect.Effect<void, ReplayGuardUnavailable>;
  }
>()('panops/webhooks/ReplayGuard') {}

/** How long a message id is remembered: longer than any provider retries (Slack ~1 h, Twilio, Zoom, Graph ~4 h). @default 7 days */
export const DEFAULT_REPLAY_RETENTION_SECONDS = 7 * 86_400;

/**
 * The key of one provider message: the provider, the account that signed it
 * and its id. Not the route: the same signed request sent to two routes is
 * one delivery, claimed once.
 */
export const replayKey = (provider: string, accountId: string, messageId: string): string =>
  `replay#${provider}#${accountId}#${messageId}`;

/** In memory (local runs, tests). */
export const memoryReplayGuardLayer = (retentionSeconds = DEFAULT_REPLAY_RETENTION_SECONDS) =>
  Layer.sync(ReplayGuard, () => {
    const seen = new Map<string, number>();
    return ReplayGuard.of({
      claim: Effect.fn('ReplayGuard.claim')(function* (key: string) {
        const now = yield* Clock.currentTimeMillis;
        const until = seen.get(key);
        if (until !== undefined && until > now) return false;
        seen.set(key, now + retentionSeconds * 1000);
        return true;
      }),
      release: Effect.fn('ReplayGuard.release')(function* (key: string) {
        yield* Effect.sync(() => seen.delete(key));
      }),
    });
  });

export interface DynamoReplayGuardOptions {
  /** A table with string partition key `pk` and TTL on `expiresAt` (the cursor table has that shape). */
  readonly tableName: string;
  /** @default DEFAULT_REPLAY_RETENTION_SECONDS */
  readonly retentionSeconds?: number;
  readonly client?: DynamoDBClientConfig;
}

/**
 * DynamoDB: a conditional put is the atomic claim, so two concurrent copies of
 * one request cannot both pass. TTL deletion is lazy, so an expired item still
 * present counts as free.
 */
export const dynamoReplayGuardLayer = (options: DynamoReplayGuardOptions) =>
  Layer.effect(
    ReplayGuard,
    scopedClient(() => new DynamoDBClient(options.client ?? {})).pipe(
      Effect.map((client) => {
        const retention = options.retentionSeconds ?? DEFAULT_REPLAY_RETENTION_SECONDS;
        const unavailable = (cause: unknown) => new ReplayGuardUnavailable({ detail: causeMessage(cause) });
        return ReplayGuard.of({
          claim: Effect.fn('ReplayGuard.claim')(function* (key: string) {
            const now = Math.floor((yield* Clock.currentTimeMillis) / 1000);
            return yield* Effect.tryPromise({
              try: (signal) =>
                client
                  .send(
                    new PutItemCommand({
                      TableName: options.tableName,
                      Item: {
                        pk: { S: key },
                        claimedAt: { N: String(now) },
                        expiresAt: { N: String(now + retention) },
                      },
                      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
                      ExpressionAttributeValues: { ':now': { N: String(now) } },
                    }),
                    { abortSignal: signal },
                  )
                  .then(
                    () => true,
                    (cause) => {
                      if (cause instanceof ConditionalCheckFailedException) return false;
                      throw cause;
                    },
                  ),
              catch: unavailable,
            });
          }),
          release: Effect.fn('ReplayGuard.release')(function* (key: string) {
            yield* Effect.tryPromise({
              try: (signal) =>
                client.send(new DeleteItemCommand({ TableName: options.tableName, Key: { pk: { S: key } } }), {
                  abortSignal: signal,
                }),
              catch: unavailable,
            });
          }),
        });
      }),
    ),
  );
