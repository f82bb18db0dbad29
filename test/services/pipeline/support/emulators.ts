import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { CURSOR_TABLE_SCHEMA } from '../../../../src/services/cursor/dynamodb.js';

/** Static credentials for the emulators (they check signatures' shape, not secrets). */
export const emulatorCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface Emulator {
  readonly endpoint: string;
  readonly close: () => Promise<void>;
}

/** DynamoDB (dynalite, in memory) with the cursor table created as the shared compute stack creates it. */
export const startDynamo = async (tableName: string): Promise<Emulator> => {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: emulatorCredentials });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: CURSOR_TABLE_SCHEMA.partitionKey, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: CURSOR_TABLE_SCHEMA.partitionKey, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client.destroy();
  return { endpoint, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
};

/** A request as it reached the S3 emulator. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface S3Emulator extends Emulator {
  /** Every request received, in order (to check the headers our client sent on the wire). */
  readonly requests: RecordedRequest[];
  /** When set, answers the next matching requests with this status instead of passing them on. */
  failNext: { method: string; status: number; count: number } | undefined;
}

/** S3 (s3rver, on a temporary directory) with the given buckets, behind a recorder that can inject failures. */
export const startS3 = async (buckets: readonly string[]): Promise<S3Emulator> => {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'));
  const s3rver = new S3rver({
    silent: true,
    directory,
    allowMismatchedSignatures: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const emulator: S3Emulator = {
    endpoint: '',
    requests: [],
    failNext: undefined,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
  const server = createServer((req, res) => {
    emulator.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const fail = emulator.failNext;
    if (fail && fail.method === req.method && fail.count > 0) {
      fail.count -= 1;
      req.resume();
      res.writeHead(fail.status, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>injected</Message></Error>',
      );
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(emulator, { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
};
