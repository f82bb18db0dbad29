import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { Effect, Layer, Option } from 'effect';
import { scopedClient } from '../aws/scoped-client.js';
import { CursorConflict, transientFrom } from '../pipeline/errors.js';
import { type CursorKey, type CursorRecord, CursorStore, cursorKeyString } from './cursor-store.js';

/** Attribute names of the cursor table; the shared compute stack creates the table with `pk` as partition key and `expiresAt` as TTL. */
export const CURSOR_TABLE_SCHEMA = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

export interface DynamoCursorStoreOptions {
  readonly tableName: string;
  /** Client settings (endpoint for dynalite in tests, region in AWS). @default the SDK's defaults */
  readonly client?: DynamoDBClientConfig;
  /** A cursor not advanced for this long expires by TTL (its connector is gone or resyncs). @default 90 days */
  readonly ttlDays?: number;
}

const transient = transientFrom('cursor');

/** The cursor store on DynamoDB: conditional writes on `version` make every advance a compare-and-set. */
export const dynamoCursorStoreLayer = (options: DynamoCursorStoreOptions): Layer.Layer<CursorStore> =>
  Layer.effect(
    CursorStore,
    scopedClient(() => new DynamoDBClient(options.client ?? {})).pipe(
      Effect.map((client) => {
        const ttlSeconds = (options.ttlDays ?? 90) * 86_400;

        const get = Effect.fn('CursorStore.get')(function* (key: CursorKey) {
          const out = yield* Effect.tryPromise({
            try: (signal) =>
              client.send(
                new GetItemCommand({
                  TableName: options.tableName,
                  Key: { pk: { S: cursorKeyString(key) } },
                  ConsistentRead: true,
                }),
                { abortSignal: signal },
              ),
            catch: transient('reading cursor'),
          });
          const item = out.Item;
          if (!item?.cursor?.S || !item.version?.N) return Option.none<CursorRecord>();
          return Option.some<CursorRecord>({
            value: item.cursor.S,
            version: Number(item.version.N),
            updatedAt: item.updatedAt?.S ?? '',
          });
        });

        const advance = Effect.fn('CursorStore.advance')(function* (
          key: CursorKey,
          expectedVersion: number,
          value: string,
        ) {
          const now = new Date();
          const record: CursorRecord = { value, version: expectedVersion + 1, updatedAt: now.toISOString() };
          yield* Effect.tryPromise({
            try: (signal) =>
              client.send(
                new PutItemCommand({
                  TableName: options.tableName,
                  Item: {
                    pk: { S: cursorKeyString(key) },
                    customerId: { S: key.customerId },
                    connectorId: { S: key.connectorId },
                    scope: { S: key.scope },
                    cursor: { S: value },
                    version: { N: String(record.version) },
                    updatedAt: { S: record.updatedAt },
                    expiresAt: { N: String(Math.floor(now.getTime() / 1000) + ttlSeconds) },
                  },
                  ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
                  ...(expectedVersion === 0
                    ? {}
                    : { ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } }),
                }),
                { abortSignal: signal },
              ),
            catch: (cause) =>
              cause instanceof ConditionalCheckFailedException ||
              (cause as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
                ? new CursorConflict({ key: cursorKeyString(key), expectedVersion })
                : transient('advancing cursor')(cause),
          });
          return record;
        });

        return CursorStore.of({ get, advance });
      }),
    ),
  );
