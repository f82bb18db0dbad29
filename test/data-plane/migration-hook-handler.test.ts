import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  CustomResourceEvent,
  CustomResourceResponse,
} from '../../src/data-plane/migration-hook/custom-resource.js';
import {
  handleMigrationEvent,
  handler,
  type MigrationHookDeps,
  withDeadline,
} from '../../src/data-plane/migration-hook/handler.js';
import { runTenantMigrations } from '../../src/data-plane/migration-hook/run-migrations.js';
import { migrationBundle } from '../../src/data-plane/migration-sources.js';

/**
 * The migration hook's handler against the local PostgreSQL 15 (a fresh
 * database per run) and a local HTTP server standing in for CloudFormation's
 * presigned response URL.
 */
const PG = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const database = `hook_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const psql = (db: string, sql: string): string =>
  execFileSync('psql', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '-d', db, '-tAc', sql], {
    encoding: 'utf8',
  }).trim();

const bundle = migrationBundle();
const OWN = '0b1d0000-0000-4000-8000-0000000000d1';
const OTHER = '0b1d0000-0000-4000-8000-0000000000d2';
const properties = (overrides: Record<string, unknown> = {}) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:200000000001:function:hook',
  Migrations: bundle.sources.map(({ name, text }) => ({ Name: name, Text: text })),
  SecretArn: 'arn:aws:secretsmanager:us-east-1:200000000001:secret:rds!cluster-abc',
  Host: PG.host,
  Port: String(PG.port),
  Database: database,
  AppRole: 'panops_app',
  SchemaFingerprint: bundle.fingerprint,
  ...overrides,
});
const event = (
  requestType: CustomResourceEvent['RequestType'],
  props = properties(),
  responseUrl = 'http://unused',
): CustomResourceEvent => ({
  RequestType: requestType,
  ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:us-east-1:200000000001:stack/PanOps-Customer-acme-capital/1',
  RequestId: randomUUID(),
  LogicalResourceId: 'MigrationsMigrations',
  ResourceType: 'Custom::PanOpsMigrations',
  ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'panops-migrations-127.0.0.1' }),
  ResourceProperties: props,
});
const secretOf = (user: string) => JSON.stringify({ username: user, password: '' });
/** The local server has no TLS: the same runner, without it. */
const localDeps: MigrationHookDeps = {
  readSecret: async () => secretOf(PG.user),
  migrate: (target) => runTenantMigrations(target, false),
};

let server: Server;
let responseUrl: string;
const received: CustomResourceResponse[] = [];

beforeAll(async () => {
  execFileSync('createdb', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, database]);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      if (req.method === 'PUT') received.push(JSON.parse(body) as CustomResourceResponse);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloudformation-response?X-Amz-Signature=x`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  execFileSync('dropdb', ['-h', PG.host, '-p', String(PG.port), '-U', PG.user, '--if-exists', '--force', database]);
});

describe('the migration hook handler', () => {
  it('applies the sql/ migrations when the stack is created, including the application login role', async () => {
    const response = await handleMigrationEvent(event('Create'), localDeps);
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'panops-migrations-127.0.0.1' });
    expect(Number(response.Data?.Applied)).toBeGreaterThan(0);
    expect(response.Data?.SchemaFingerprint).toBe(bundle.fingerprint);
    const recorded = Number(psql(database, 'SELECT count(*) FROM panops_schema_migrations'));
    expect(recorded).toBe(Number(response.Data?.Applied));
    expect(psql(database, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'panops_app'")).toBe('t');
  });

  it('re-runs on update without applying anything twice', async () => {
    const response = await handleMigrationEvent(event('Update'), localDeps);
    expect(response.Status).toBe('SUCCESS');
    expect(response.Data?.Applied).toBe('0');
    expect(Number(response.Data?.AlreadyApplied)).toBeGreaterThan(0);
    expect(response.PhysicalResourceId).toBe('panops-migrations-127.0.0.1');
  });

  it('never touches the database when the resource is deleted', async () => {
    const refuse: MigrationHookDeps = {
      readSecret: () => Promise.reject(new Error('must not read the secret on delete')),
      migrate: () => Promise.reject(new Error('must not migrate on delete')),
    };
    expect(await handleMigrationEvent(event('Delete'), refuse)).toMatchObject({ Status: 'SUCCESS' });
  });

  it('fails the deployment with a typed reason when the secret is not a username and password', async () => {
    const response = await handleMigrationEvent(event('Create'), { ...localDeps, readSecret: async () => 'not json' });
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^DatabaseSecretUnreadable: .*rds!cluster-abc/);
  });

  it('fails with the property named when the stack passes no migrations', async () => {
    const response = await handleMigrationEvent(event('Create', properties({ Migrations: [] })), localDeps);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^MigrationHookPropertiesInvalid: .*"property":"Migrations"/);
  });

  it('fails when a migration does not apply, naming the database', async () => {
    const broken = properties({ Migrations: [{ Name: '0999_broken.sql', Text: 'SELECT * FROM nowhere_at_all;' }] });
    const response = await handleMigrationEvent(event('Create', broken), localDeps);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(new RegExp(`^MigrationsFailed: .*"database":"${database}"`));
    expect(response.Reason).toMatch(/0999_broken\.sql.*nowhere_at_all/);
  });

  it('binds a dedicated database to the customer it is deployed for, as the owner (sql/0010)', async () => {
    expect(psql(database, 'SELECT panops_bound_customer_id()')).toBe('');
    const response = await handleMigrationEvent(
      event('Update', properties({ CustomerId: OWN.toUpperCase() })),
      localDeps,
    );
    expect(response).toMatchObject({ Status: 'SUCCESS', Data: { BoundCustomerId: OWN } });
    expect(psql(database, 'SELECT panops_bound_customer_id()')).toBe(OWN);
    // The next deploy re-binds the same customer: idempotent.
    expect(await handleMigrationEvent(event('Update', properties({ CustomerId: OWN })), localDeps)).toMatchObject({
      Status: 'SUCCESS',
      Data: { BoundCustomerId: OWN },
    });
  });

  it('fails the deployment when the database is bound to another customer, and keeps the binding', async () => {
    const response = await handleMigrationEvent(event('Update', properties({ CustomerId: OTHER })), localDeps);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^MigrationsFailed: .*DatabaseBindingRefused.*bound to customer/);
    expect(psql(database, 'SELECT panops_bound_customer_id()')).toBe(OWN);
  });

  it('refuses a customer id that is not a UUID, naming the property', async () => {
    const response = await handleMigrationEvent(event('Update', properties({ CustomerId: 'acme' })), localDeps);
    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^MigrationHookPropertiesInvalid: .*"property":"CustomerId"/);
  });

  it('answers CloudFormation at the response URL, also when the database cannot be reached', async () => {
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: secretOf('panops_admin') });
    try {
      const unreachable = properties({ Port: '1' });
      await handler(event('Create', unreachable, responseUrl), { getRemainingTimeInMillis: () => 60_000 });
    } finally {
      secrets.restore();
    }
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ Status: 'FAILED', LogicalResourceId: 'MigrationsMigrations' });
    expect(received[0]?.Reason).toMatch(/^MigrationsFailed: /);
  });

  it('gives up before Lambda would kill it, so CloudFormation is never left waiting', async () => {
    const slow = new Promise<string>((resolve) => setTimeout(() => resolve('finished'), 1_000));
    expect(await withDeadline(slow, 20, () => 'timed out')).toBe('timed out');
    expect(await withDeadline(Promise.resolve('finished'), 1_000, () => 'timed out')).toBe('finished');
  });
});
