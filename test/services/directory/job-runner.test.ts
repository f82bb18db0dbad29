import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Effect, Layer, Redacted } from 'effect';
import { SqlClient } from 'effect/sql';
import { afterEach, describe, expect, it } from 'vitest';
import type { CustomerLocation } from '../../../src/services/directory/customer-directory.js';
import { directoryDatabaseLayer, iamAuthToken } from '../../../src/services/directory/database.js';
import { databaseLocationFromUrl } from '../../../src/services/directory/local.js';
import { ssmCustomerDirectoryLayer } from '../../../src/services/directory/ssm.js';
import { awsJobRunnerLayer, awsPipelineConfig } from '../../../src/services/pipeline/aws-environment.js';
import { type ConnectorJob, encodeJob } from '../../../src/services/pipeline/job.js';
import { PipelineSettings } from '../../../src/services/pipeline/policy.js';
import { pollOnce } from '../../../src/services/queue/consumer.js';
import { sqsJobQueueLayer } from '../../../src/services/queue/job-queue.js';
import { readConfig } from '../../support/config.js';
import { TEST_SERVER_URL } from '../../support/database.js';
import { FAST_SETTINGS } from '../pipeline/support/harness.js';

const sqs = mockClient(SQSClient);
const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);
afterEach(() => {
  sqs.reset();
  ssm.reset();
  sts.reset();
});

const QUEUE = 'https://sqs.us-east-1.amazonaws.com/100000000010/panops-connector-jobs';
const DLQ = `${QUEUE}-dlq`;
const CUSTOMER = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';

const job: ConnectorJob = {
  version: 1,
  jobId: 'schedule-gmail-2025-01-06T12:00:00Z',
  customerId: CUSTOMER,
  connectorId: 'gmail',
  platform: 'gmail',
  kind: 'poll',
  requestedAt: '2025-01-06T12:00:00Z',
};

/** The worker's layers as deployed: only the shared compute stack's variables, the AWS directory, SQS mocked. */
const worker = () => {
  const settings = readConfig(awsPipelineConfig, {
    PANOPS_CONNECTOR_JOBS_QUEUE_URL: QUEUE,
    PANOPS_CONNECTOR_JOBS_DLQ_URL: DLQ,
    PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL: `${QUEUE}-transcription`,
    PANOPS_CURSOR_TABLE_NAME: 'panops-connector-cursors',
  });
  return Layer.mergeAll(
    awsJobRunnerLayer(
      settings,
      ssmCustomerDirectoryLayer({ ssm: { region: 'us-east-1' }, sts: { region: 'us-east-1' } }),
    ),
    sqsJobQueueLayer({ queueUrl: QUEUE, deadLetterQueueUrl: DLQ, client: { region: 'us-east-1' } }),
    Layer.succeed(PipelineSettings, FAST_SETTINGS),
  );
};

const receive = () => {
  sqs.on(ReceiveMessageCommand).resolves({
    Messages: [
      { MessageId: 'm1', ReceiptHandle: 'rh-1', Body: encodeJob(job), Attributes: { ApproximateReceiveCount: '1' } },
    ],
  });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'dlq-1' });
  sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }], Failed: [] });
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
};

describe('connector workers find each customer’s database through the customer directory', () => {
  it('dead-letters a job for a customer the directory does not know, with the reason, and never retries it', async () => {
    receive();
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'Parameter not found', $metadata: {} }));
    await Effect.runPromise(pollOnce().pipe(Effect.provide(worker())));
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.QueueUrl).toBe(DLQ);
    expect(sent[0]?.MessageBody).toBe(encodeJob(job));
    expect(sent[0]?.MessageAttributes?.reason?.StringValue).toContain(`/panops/customers/${CUSTOMER}`);
    // Acknowledged after the copy to the DLQ: it is not redelivered.
    expect(
      sqs.commandCalls(DeleteMessageBatchCommand).flatMap((c) => c.args[0].input.Entries?.map((e) => e.ReceiptHandle)),
    ).toEqual(['rh-1']);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('leaves a job on the queue for a retry when the directory is briefly unavailable', async () => {
    receive();
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await Effect.runPromise(pollOnce().pipe(Effect.provide(worker())));
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]?.args[0].input.ReceiptHandle).toBe('rh-1');
  });
});

const location = (overrides: Partial<CustomerLocation['database']> = {}): CustomerLocation => ({
  customerId: CUSTOMER,
  tier: 'dedicated',
  accountId: '200000000001',
  region: 'us-east-1',
  dataAccessRoleArn: 'arn:aws:iam::200000000001:role/panops-customer-data-access',
  archive: {
    bucket: 'acme-archive',
    kmsKeyArn: 'arn:aws:kms:us-east-1:200000000001:key/k',
    keyPrefix: '',
    bucketKeyEnabled: true,
  },
  database: {
    host: 'panops-acme.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com',
    port: 5432,
    name: 'panops',
    user: 'panops_app',
    auth: { method: 'iam' },
    tls: true,
    ...overrides,
  },
  credentials: async () => ({ accessKeyId: 'ASIAACMESESSION', secretAccessKey: 'secret', sessionToken: 'token' }),
});

describe('the database a location names', () => {
  it('logs in with an IAM token for the login role, signed with the customer’s data-access session', async () => {
    const token = Redacted.value(await Effect.runPromise(iamAuthToken(location())));
    expect(token.startsWith('panops-acme.cluster-c1a2b3c4d5e6.us-east-1.rds.amazonaws.com:5432/?')).toBe(true);
    const query = new URLSearchParams(token.slice(token.indexOf('?') + 1));
    expect(query.get('Action')).toBe('connect');
    expect(query.get('DBUser')).toBe('panops_app');
    expect(query.get('X-Amz-Credential')).toMatch(/^ASIAACMESESSION\/\d{8}\/us-east-1\/rds-db\/aws4_request$/);
    expect(query.get('X-Amz-Security-Token')).toBe('token');
  });

  it('connects to the test PostgreSQL server with the local override’s password login (from a URL)', async () => {
    const server = databaseLocationFromUrl(process.env.DATABASE_URL ?? TEST_SERVER_URL);
    expect(server.auth.method).toBe('password');
    const local: CustomerLocation = { ...location(), database: server };
    const user = await Effect.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient;
        const rows = yield* sql<{ user: string }>`select current_user as user`;
        return rows[0]?.user;
      }).pipe(Effect.provide(directoryDatabaseLayer(local)), Effect.scoped),
    );
    expect(user).toBe(server.user);
  });
});
