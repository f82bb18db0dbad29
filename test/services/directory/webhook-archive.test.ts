import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, GetParametersCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect, Layer, ManagedRuntime } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryEntryName, locationParameterNames } from '../../../src/contracts/directory.js';
import { archiveKeyFor, sha256Hex } from '../../../src/services/archive/archive-store.js';
import { LargeObjectArchive, largeObjectKey } from '../../../src/services/archive/large-object.js';
import { slackSigning } from '../../../src/services/connectors/slack/signature.js';
import { directoryS3LargeObjectArchiveLayer } from '../../../src/services/directory/archive.js';
import { ssmRawEventArchiveLayer } from '../../../src/services/directory/raw-event-archive.js';
import { ssmCustomerDirectoryLayer } from '../../../src/services/directory/ssm.js';
import type { ConnectorJob } from '../../../src/services/pipeline/job.js';
import { memoryConnectorJobSubmitterLayer } from '../../../src/services/webhooks/connector-jobs.js';
import { handleWebhook } from '../../../src/services/webhooks/handler.js';
import { queueingWebhookIntakeLayer } from '../../../src/services/webhooks/intake.js';
import { memoryReplayGuardLayer } from '../../../src/services/webhooks/replay-guard.js';
import { staticWebhookSecretsLayer } from '../../../src/services/webhooks/secrets.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../pipeline/support/emulators.js';

/**
 * The webhook Lambda's layers with the customer directory: SSM and STS on
 * aws-sdk-client-mock (there is no maintained local SSM/STS), S3 on s3rver.
 * A signed Slack event for a customer must land under `raw/` of the bucket
 * that customer's own account publishes, written with the account's
 * write-only raw event writer, never its data-access role (#18 item 5).
 */
const DEDICATED = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
const POOLED = '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02';
const UNKNOWN = '5d1e7c3a-9b2f-4a6e-8c0d-1e2f3a4b5c6d';
const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';

const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);
let s3: S3Emulator;
let runtime: ManagedRuntime.ManagedRuntime<unknown, unknown>;
const jobs: ConnectorJob[] = [];

const entry = (customerId: string, tier: 'dedicated' | 'pooled', accountId: string, role: string) =>
  JSON.stringify({
    version: 1,
    customerId,
    slug: tier,
    tier,
    accountId,
    region: 'us-east-1',
    dataAccessRoleArn: `arn:aws:iam::${accountId}:role/${role}`,
  });

const published = (root: string, bucket: string) => {
  const names = locationParameterNames(root);
  const values = {
    [names.archiveBucket]: bucket,
    [names.archiveKeyArn]: 'arn:aws:kms:us-east-1:200000000001:key/0d6c1c7e-5f3a-4e2b-9b1d-2a3b4c5d6e7f',
    [names.databaseEndpoint]: 'panops.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com',
    [names.databasePort]: '5432',
    [names.databaseName]: 'panops',
    [names.databaseUser]: 'panops_app',
    [names.databaseAuth]: 'iam',
  };
  return { Parameters: Object.entries(values).map(([Name, Value]) => ({ Name, Value, Type: 'String' as const })) };
};

/** s3rver checks access keys: register the two data-access sessions' keys with its one account. */
const registerSessionKeys = (...accessKeyIds: string[]) => {
  const accounts = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair: (id: string, secret: string) => void };
  };
  for (const id of accessKeyIds) accounts.DUMMY_ACCOUNT.createKeyPair(id, 'session-secret');
};

beforeAll(async () => {
  s3 = await startS3(['acme-archive', 'pooled-archive']);
  registerSessionKeys('ASIAACMESESSION', 'ASIAPOOLEDSESSION', 'ASIAACMERAW', 'ASIAPOOLEDRAW');
  ssm.on(GetParameterCommand, { Name: directoryEntryName(DEDICATED) }).resolves({
    Parameter: {
      Name: directoryEntryName(DEDICATED),
      Value: entry(DEDICATED, 'dedicated', '200000000001', 'panops-customer-data-access'),
    },
  });
  ssm.on(GetParameterCommand, { Name: directoryEntryName(POOLED) }).resolves({
    Parameter: {
      Name: directoryEntryName(POOLED),
      Value: entry(POOLED, 'pooled', '100000000010', 'panops-pooled-data-access'),
    },
  });
  ssm
    .on(GetParameterCommand, { Name: directoryEntryName(UNKNOWN) })
    .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
  ssm
    .on(GetParametersCommand, { Names: Object.values(locationParameterNames('/panops/customer/')) })
    .resolves(published('/panops/customer/', 'acme-archive'));
  ssm
    .on(GetParametersCommand, { Names: Object.values(locationParameterNames('/panops/pooled/')) })
    .resolves(published('/panops/pooled/', 'pooled-archive'));
  // The raw event writer reads only where the archive is.
  for (const root of ['/panops/customer/', '/panops/pooled/']) {
    const names = locationParameterNames(root);
    const all = published(root, root.includes('pooled') ? 'pooled-archive' : 'acme-archive').Parameters;
    ssm
      .on(GetParametersCommand, { Names: [names.archiveBucket, names.archiveKeyArn] })
      .resolves({ Parameters: all.filter((p) => p.Name === names.archiveBucket || p.Name === names.archiveKeyArn) });
  }
  sts.on(AssumeRoleCommand).callsFake((input: { RoleArn: string }) => ({
    Credentials: {
      AccessKeyId: `${input.RoleArn.includes('pooled') ? 'ASIAPOOLED' : 'ASIAACME'}${input.RoleArn.includes('raw-writer') ? 'RAW' : 'SESSION'}`,
      SecretAccessKey: 'session-secret',
      SessionToken: 'session-token',
      Expiration: new Date(Date.now() + 3600_000),
    },
  }));
  const client = { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: emulatorCredentials };
  runtime = ManagedRuntime.make(
    Layer.mergeAll(
      staticWebhookSecretsLayer({
        [`panops/${DEDICATED}/slack-workspace`]: { signingSecret: SECRET, teamId: 'T061EG9R6' },
        [`panops/${POOLED}/slack-workspace`]: { signingSecret: SECRET, teamId: 'T061EG9R6' },
        [`panops/${UNKNOWN}/slack-workspace`]: { signingSecret: SECRET, teamId: 'T061EG9R6' },
      }),
      memoryReplayGuardLayer(),
      queueingWebhookIntakeLayer.pipe(
        Layer.provide(ssmRawEventArchiveLayer({ client })),
        Layer.provide(memoryConnectorJobSubmitterLayer(jobs)),
      ),
    ),
  ) as ManagedRuntime.ManagedRuntime<unknown, unknown>;
}, 30_000);

afterAll(async () => {
  await runtime?.dispose();
  await s3?.close();
  ssm.restore();
  sts.restore();
});

const slack = (customerId: string, eventId: string) => {
  const body = JSON.stringify({
    token: 'XXYYZZ',
    team_id: 'T061EG9R6',
    api_app_id: 'AXXXXXXXXX',
    event: { type: 'message', channel: 'C2147483705', user: 'U2147483697', text: 'Hello', ts: '1355517523.000005' },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1355517523,
  });
  const ts = String(Math.floor(Date.now() / 1000));
  const path = `/webhooks/slack/${customerId}/slack-workspace`;
  return {
    body,
    send: () =>
      runtime.runPromise(
        handleWebhook({
          method: 'POST',
          path,
          url: `https://hooks.panops.example${path}`,
          query: {},
          headers: {
            'content-type': 'application/json',
            'x-slack-request-timestamp': ts,
            'x-slack-signature': slackSigning.sign(SECRET, ts, body),
          },
          body,
        }),
      ),
  };
};

const read = (bucket: string, key: string) =>
  new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: emulatorCredentials })
    .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    .then((out) => out.Body?.transformToString());

/** Whether the PUT of an object asked for an S3 Bucket Key. */
const bucketKeyOf = (key: string) =>
  s3.requests
    .filter((r) => r.method === 'PUT' && r.url.includes(key))
    .map((r) => r.headers['x-amz-server-side-encryption-bucket-key-enabled']);

/** The access key of the request that wrote an object (SigV4 names it in Authorization). */
const writerOf = (key: string) =>
  s3.requests
    .filter((r) => r.method === 'PUT' && r.url.includes(key))
    .map((r) => /Credential=([A-Z0-9]+)\//.exec(String(r.headers.authorization))?.[1]);

describe('webhook Lambda with the customer directory', () => {
  it('archives a dedicated customer’s verified webhook under raw/ of the bucket its account publishes, with the write-only role', async () => {
    const request = slack(DEDICATED, 'Ev0DEDICATED1');
    const response = await request.send();
    expect(response.status).toBe(200);
    const key = `raw/${archiveKeyFor(sha256Hex(new TextEncoder().encode(request.body)))}`;
    expect(await read('acme-archive', key)).toBe(request.body);
    expect(writerOf(key)).toEqual(['ASIAACMERAW']);
    // No Bucket Key: the data key's encryption context is the object's ARN, which the role's grant confines to raw/.
    expect(bucketKeyOf(key)).toEqual(['false']);
    expect(jobs.at(-1)).toMatchObject({ customerId: DEDICATED, params: { rawArchiveKey: key } });
    const roles = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn);
    expect(roles).toEqual(['arn:aws:iam::200000000001:role/panops-webhook-raw-writer']);
    // It asked for the bucket and the key, nothing about the database.
    const asked = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names);
    expect(asked).toEqual([['/panops/customer/archive/bucket', '/panops/customer/archive/kms-key-arn']]);
  });

  it('archives a pooled customer’s webhook under raw/ of its own prefix of the pooled bucket, with a write-only session tagged for it', async () => {
    const request = slack(POOLED, 'Ev0POOLED1');
    expect((await request.send()).status).toBe(200);
    const key = `raw/${archiveKeyFor(sha256Hex(new TextEncoder().encode(request.body)))}`;
    expect(await read('pooled-archive', `customers/${POOLED}/${key}`)).toBe(request.body);
    expect(writerOf(`customers/${POOLED}/${key}`)).toEqual(['ASIAPOOLEDRAW']);
    // No bucket key: the pooled key policy binds each object's data key to the customer's prefix.
    expect(bucketKeyOf(`customers/${POOLED}/${key}`)).toEqual(['false']);
    // The job records the key relative to the customer's prefix, as for a dedicated customer.
    expect(jobs.at(-1)).toMatchObject({ customerId: POOLED, params: { rawArchiveKey: key } });
    const pooledAssume = sts.commandCalls(AssumeRoleCommand).find((c) => c.args[0].input.RoleArn?.includes('pooled'));
    expect(pooledAssume?.args[0].input.RoleArn).toBe('arn:aws:iam::100000000010:role/panops-pooled-webhook-raw-writer');
    expect(pooledAssume?.args[0].input.Tags).toEqual([{ Key: 'panops:customer-id', Value: POOLED }]);
  });

  it('writes although S3 answers its HEAD with 403 (the write-only role reads nothing), and a second PUT of the same bytes is refused by S3, not overwritten', async () => {
    for (const [customer, bucket, prefix] of [
      [POOLED, 'pooled-archive', `customers/${POOLED}/`],
      [DEDICATED, 'acme-archive', ''],
    ] as const) {
      s3.failNext = { method: 'HEAD', status: 403, count: 1 };
      const request = slack(customer, `Ev0HEAD403${customer.slice(0, 4)}`);
      expect((await request.send()).status).toBe(200);
      const key = `${prefix}raw/${archiveKeyFor(sha256Hex(new TextEncoder().encode(request.body)))}`;
      expect(await read(bucket, key)).toBe(request.body);
    }
    s3.failNext = undefined;
  });

  it('answers 503 (the provider retries) and stores nothing for a customer without a directory entry', async () => {
    const puts = s3.requests.filter((r) => r.method === 'PUT').length;
    const queued = jobs.length;
    const response = await slack(UNKNOWN, 'Ev0UNKNOWN1').send();
    expect(response.status).toBe(503);
    expect(s3.requests.filter((r) => r.method === 'PUT').length).toBe(puts);
    expect(jobs.length).toBe(queued);
  });

  it('streams a pooled customer’s recording (multipart) under its prefix with its session, through the same directory', async () => {
    const recordings = ManagedRuntime.make(
      directoryS3LargeObjectArchiveLayer({
        client: { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: emulatorCredentials },
      }).pipe(Layer.provide(ssmCustomerDirectoryLayer())),
    );
    const audio = Buffer.alloc(64 * 1024, 7);
    const stored = await recordings.runPromise(
      Effect.gen(function* () {
        const archive = yield* LargeObjectArchive;
        return yield* archive.putStream(POOLED, 'zoom/meeting-1.m4a', Readable.from([audio]), 'audio/mp4');
      }),
    );
    await recordings.dispose();
    expect(stored.key).toBe(largeObjectKey('zoom/meeting-1.m4a'));
    const body = await new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: emulatorCredentials,
    })
      .send(new GetObjectCommand({ Bucket: 'pooled-archive', Key: `customers/${POOLED}/${stored.key}` }))
      .then((out) => out.Body?.transformToByteArray());
    expect(Buffer.from(body ?? []).equals(audio)).toBe(true);
    expect(writerOf(`customers/${POOLED}/${stored.key}`)).toContain('ASIAPOOLEDSESSION');
  });
});
