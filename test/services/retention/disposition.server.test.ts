import { GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Effect, Layer, ManagedRuntime } from 'effect';
import type { SqlClient } from 'effect/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ArchiveStore, sha256Hex } from '../../../src/services/archive/archive-store.js';
import { ArchiveObjectRetention } from '../../../src/services/archive/object-retention.js';
import { s3ObjectRetentionLayer } from '../../../src/services/archive/object-retention-s3.js';
import { s3ArchiveStoreLayer } from '../../../src/services/archive/s3.js';
import { TenantSql } from '../../../src/services/db/index.js';
import type { RawItem } from '../../../src/services/pipeline/communication.js';
import { Ingest } from '../../../src/services/pipeline/ingest.js';
import { sqlIngestLayer } from '../../../src/services/pipeline/ingest-sql.js';
import type { ConnectorJob } from '../../../src/services/pipeline/job.js';
import { runJob } from '../../../src/services/pipeline/runner.js';
import { memoryTranscriptionJobsLayer } from '../../../src/services/queue/transcription-jobs.js';
import { disposeExpired, idsDigest } from '../../../src/services/retention/disposition.js';
import { asOwner, objectKeysOf, placeHold, releaseHold } from '../../../src/services/retention/holds.js';
import { recordRetentionPolicy } from '../../../src/services/retention/policy.js';
import { createCustomer, customerId } from '../../db/isolation-suite.js';
import { openServerDatabase, type TestDatabase } from '../../support/database.js';
import { emulatorCredentials, type S3Emulator, startS3 } from '../pipeline/support/emulators.js';

// The PostgreSQL 15 server (forced RLS, owner and application roles) and s3rver (S3 at the wire).
const A = customerId(0x22a);
const B = customerId(0x22b);
const BUCKET = 'retention-archive';
const DAY = 86_400_000;
const NOW = new Date('2026-12-04T12:00:00Z');

let db: TestDatabase;
let s3: S3Emulator;
let s3Client: S3Client;
type Services = TenantSql | SqlClient.SqlClient | Ingest | ArchiveObjectRetention | ArchiveStore;
let runtime: ManagedRuntime.ManagedRuntime<Services, unknown>;
const run = <X>(effect: Effect.Effect<X, unknown, Services>) => runtime.runPromise(effect);
const asAdmin = <X>(effect: Effect.Effect<X, unknown, SqlClient.SqlClient>) =>
  Effect.runPromise(
    effect.pipe(Effect.provide(db.adminLayer as Layer.Layer<SqlClient.SqlClient>), Effect.scoped) as Effect.Effect<X>,
  );

const text = (s: string) => new TextEncoder().encode(s);
/** An email sent `ageDays` before NOW, with one attachment. */
const email = (id: string, ageDays: number, attachment = `attachment of ${id}`): RawItem => {
  const content = text(attachment);
  return {
    sourceId: id,
    raw: text(`raw mime of ${id}`),
    contentType: 'message/rfc822',
    communication: {
      channel: 'email',
      externalId: id,
      subject: `subject ${id}`,
      sentAt: new Date(NOW.getTime() - ageDays * DAY),
      bodyText: `body of ${id}`,
      participants: [{ role: 'from', address: 'trader@example.com' }],
      attachments: [
        { filename: 'a.txt', contentType: 'text/plain', size: content.byteLength, sha256: sha256Hex(content), content },
      ],
      recordings: [],
      metadata: {},
    },
  };
};

const idOf = (externalId: string) =>
  Effect.gen(function* () {
    const tenant = yield* TenantSql;
    const rows = yield* tenant.withCustomer(
      A,
      tenant.sql<{ id: string; retention_until: Date | null }>`
        SELECT id, retention_until FROM communications WHERE external_id = ${externalId}`,
    );
    return rows[0];
  });

const objectState = async (key: string) => {
  const exists = await s3Client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
  const tags = exists ? (await s3Client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }))).TagSet : [];
  return { exists, tags: Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value])) };
};

beforeAll(async () => {
  db = await openServerDatabase({ maxConnections: 4 });
  s3 = await startS3([BUCKET]);
  const client = { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: emulatorCredentials };
  s3Client = new S3Client(client);
  const targetFor = () => ({ bucket: BUCKET, kmsKeyId: 'alias/test', objectLock: false });
  const tenant = Layer.provideMerge(TenantSql.layer({ retries: 1 }), db.appLayer);
  const archive = s3ArchiveStoreLayer({ targetFor, client });
  const ingest = sqlIngestLayer().pipe(Layer.provide(Layer.mergeAll(tenant, archive, memoryTranscriptionJobsLayer())));
  runtime = ManagedRuntime.make(
    Layer.mergeAll(tenant, ingest, archive, s3ObjectRetentionLayer({ targetFor, client })) as Layer.Layer<Services>,
  );
  await run(Effect.all([createCustomer(A), createCustomer(B)]));
});
afterAll(async () => {
  await runtime?.dispose();
  s3Client?.destroy();
  await s3?.close();
  await db?.close();
});

describe('retention, legal holds and disposition (PostgreSQL server + s3rver)', () => {
  it('sets retention_until at ingest from the policy in force, per kind first; a policy change applies forward and is audited', async () => {
    const changed = await run(recordRetentionPolicy({ customerId: A, retentionDays: 30 }, 'blueprint'));
    expect(changed).toEqual(['*']);
    expect(await run(recordRetentionPolicy({ customerId: A, retentionDays: 30 }, 'blueprint'))).toEqual([]);
    await run(
      Effect.gen(function* () {
        const ingest = yield* Ingest;
        yield* ingest.store({ customerId: A, connectorId: 'mail', platform: 'gmail' }, [email('old-1', 100)]);
      }),
    );
    const old = await run(idOf('old-1'));
    expect(old?.retention_until?.toISOString()).toBe(new Date(NOW.getTime() - 70 * DAY).toISOString());
    // A longer policy for email: rows already stored keep theirs, new ones get the new one.
    expect(
      await run(
        recordRetentionPolicy({ customerId: A, retentionDays: 30, retentionByKind: { email: 90 } }, 'blueprint'),
      ),
    ).toEqual(['email']);
    await run(
      Effect.gen(function* () {
        const ingest = yield* Ingest;
        yield* ingest.store({ customerId: A, connectorId: 'mail', platform: 'gmail' }, [email('new-1', 100)]);
      }),
    );
    expect((await run(idOf('old-1')))?.retention_until?.toISOString()).toBe(old?.retention_until?.toISOString());
    expect((await run(idOf('new-1')))?.retention_until?.toISOString()).toBe(
      new Date(NOW.getTime() - 10 * DAY).toISOString(),
    );
    const audit = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(
          A,
          tenant.sql<{ target_id: string; details: { previous_days: number | null; days: number } }>`
            SELECT target_id, details FROM audit_log WHERE action = 'retention_policy' ORDER BY occurred_at, target_id`,
        );
      }),
    );
    expect(audit.map((a) => [a.target_id, a.details.previous_days, a.details.days])).toEqual([
      ['*/*', null, 30],
      ['*/email', null, 90],
    ]);
  });

  it('a held message survives disposition and keeps its objects; an unheld one past retention goes, rows then objects, with an audit record', async () => {
    // Both past retention (30 days for email now? no: 90 days since the change), sent 200 days ago.
    await run(
      Effect.gen(function* () {
        const ingest = yield* Ingest;
        yield* ingest.store({ customerId: A, connectorId: 'mail', platform: 'gmail' }, [
          email('held-1', 200),
          email('gone-1', 200),
          // Shares gone-1's attachment bytes: that object must stay while held-1... no, while shared-1 names it.
          email('shared-1', 1, 'attachment of gone-1'),
        ]);
      }),
    );
    const held = (await run(idOf('held-1')))?.id as string;
    const gone = (await run(idOf('gone-1')))?.id as string;
    const placed = await run(
      placeHold({
        customerId: A,
        matter: 'SEC v. Acme',
        ids: [held],
        actor: 'counsel@example.com',
        reason: 'subpoena 7',
      }),
    );
    expect(placed).toEqual({ placed: [held], held: [held] });
    const keysOf = (id: string) =>
      run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          return yield* tenant.withCustomer(A, objectKeysOf(tenant.sql, A, [id], true));
        }),
      );
    const heldKeys = await keysOf(held);
    const goneKeys = await keysOf(gone);
    await run(Effect.flatMap(ArchiveObjectRetention, (o) => o.hold(A, heldKeys)));

    const dry = await run(disposeExpired({ customerId: A, now: NOW, actor: 'disposition', dryRun: true }));
    expect(dry.ids).toContain(gone);
    expect(dry.ids).not.toContain(held);
    expect(dry.heldPastRetention).toBe(1);
    const sharedAttachment = goneKeys.find((k) => !dry.objects.includes(k));
    expect(sharedAttachment).toBeDefined(); // shared-1 still names it
    expect((await run(idOf('gone-1')))?.id).toBe(gone); // a dry run deletes nothing

    const report = await run(disposeExpired({ customerId: A, now: NOW, actor: 'disposition', batchSize: 1 }));
    expect(report.ids).toEqual(dry.ids);
    expect(report.idsSha256).toBe(idsDigest(dry.ids));
    expect(report.deleted.communications).toBe(dry.ids.length);
    expect(report.deleted.attachments).toBe(dry.ids.length);
    expect(report.batches).toBe(dry.ids.length);
    expect(report.objects).toEqual(dry.objects);
    expect(await run(idOf('gone-1'))).toBeUndefined();
    expect((await run(idOf('held-1')))?.id).toBe(held);

    // Objects: the gone message's own objects are handed to the lifecycle; the held one's carry the hold.
    for (const key of report.objects)
      expect((await objectState(key)).tags).toEqual({ 'panops:disposition': 'disposable' });
    for (const key of heldKeys) expect((await objectState(key)).tags).toEqual({ 'panops:legal-hold': 'on' });
    expect((await objectState(sharedAttachment as string)).tags).toEqual({});

    const audit = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(
          A,
          tenant.sql<{ details: { phase: string; counts?: { communications: number }; ids_sha256?: string } }>`
            SELECT details FROM audit_log WHERE action = 'disposition' ORDER BY occurred_at, id`,
        );
      }),
    );
    const rows = audit.filter((a) => a.details.phase === 'rows');
    expect(rows.reduce((n, a) => n + (a.details.counts?.communications ?? 0), 0)).toBe(report.ids.length);
    expect(rows.map((a) => a.details.ids_sha256)).toContain(idsDigest([gone]));
    expect(audit.filter((a) => a.details.phase === 'objects')).toHaveLength(report.batches);
  });

  it('the application role cannot lift a hold: not by the procedure, not by deleting the hold row, not by clearing the flag', async () => {
    const held = (await run(idOf('held-1')))?.id as string;
    const attempts = [
      (sql: SqlClient.SqlClient) =>
        sql`SELECT panops_release_hold(${A}::uuid, 'SEC v. Acme', NULL::uuid[], 'app', 'because')`,
      (sql: SqlClient.SqlClient) => sql`DELETE FROM legal_holds WHERE communication_id = ${held}`,
      (sql: SqlClient.SqlClient) => sql`UPDATE communications SET legal_hold = false WHERE id = ${held}`,
      (sql: SqlClient.SqlClient) =>
        sql`INSERT INTO legal_holds (customer_id, matter, communication_id, placed_by, reason) VALUES (${A}, 'x', ${held}, 'app', 'unaudited')`,
    ];
    for (const attempt of attempts) {
      const error = await run(
        Effect.gen(function* () {
          const tenant = yield* TenantSql;
          return yield* Effect.flip(tenant.withCustomer(A, attempt(tenant.sql)));
        }),
      );
      expect(String((error as { message?: string }).message ?? error)).toMatch(/permission denied|legal hold/);
    }
    const still = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(A, tenant.sql<{ n: number }>`SELECT count(*)::int AS n FROM legal_holds`);
      }),
    );
    expect(still).toEqual([{ n: 1 }]);
  });

  it('overlapping matters: the owner releases one, the record stays held by the other, and is free only when both are released', async () => {
    const held = (await run(idOf('held-1')))?.id as string;
    await run(
      placeHold({ customerId: A, matter: 'FINRA 2026-17', ids: [held], actor: 'counsel@example.com', reason: 'exam' }),
    );
    const first = await asAdmin(
      asOwner(
        db.ownerRole,
        releaseHold({
          customerId: A,
          matter: 'SEC v. Acme',
          ids: undefined,
          actor: 'gc@example.com',
          reason: 'settled',
        }),
      ),
    );
    expect(first).toEqual({ released: [held], lifted: [], stillHeld: [held] });
    const survives = await run(disposeExpired({ customerId: A, now: NOW, actor: 'disposition' }));
    expect(survives.ids).toEqual([]);
    const second = await asAdmin(
      asOwner(
        db.ownerRole,
        releaseHold({ customerId: A, matter: 'FINRA 2026-17', ids: [held], actor: 'gc@example.com', reason: 'closed' }),
      ),
    );
    expect(second).toEqual({ released: [held], lifted: [held], stillHeld: [] });
    const audit = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(
          A,
          tenant.sql<{ actor: string; target_id: string; details: { operation: string; reason: string } }>`
            SELECT actor, target_id, details FROM audit_log WHERE action = 'legal_hold' ORDER BY occurred_at, id`,
        );
      }),
    );
    expect(audit.map((a) => [a.details.operation, a.target_id, a.actor, a.details.reason])).toEqual([
      ['place', 'SEC v. Acme', 'counsel@example.com', 'subpoena 7'],
      ['place', 'FINRA 2026-17', 'counsel@example.com', 'exam'],
      ['release', 'SEC v. Acme', 'gc@example.com', 'settled'],
      ['release', 'FINRA 2026-17', 'gc@example.com', 'closed'],
    ]);
    const after = await run(disposeExpired({ customerId: A, now: NOW, actor: 'disposition' }));
    expect(after.ids).toEqual([held]);
  });

  it('holds and policies are tenant-isolated: another customer sees none and cannot place a hold on A’s rows', async () => {
    const seen = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(
          B,
          tenant.sql<{ n: number }>`
            SELECT (SELECT count(*) FROM legal_holds)::int + (SELECT count(*) FROM retention_policies)::int AS n`,
        );
      }),
    );
    expect(seen).toEqual([{ n: 0 }]);
    const newOne = (await run(idOf('new-1')))?.id as string;
    const placed = await run(
      placeHold({ customerId: B, matter: 'cross', ids: [newOne], actor: 'b@example.com', reason: 'try' }),
    );
    expect(placed).toEqual({ placed: [], held: [] });
    const error = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* Effect.flip(
          tenant.withCustomer(
            B,
            tenant.sql`SELECT panops_place_hold(${A}::uuid, 'cross', ARRAY[${newOne}]::uuid[], 'b', 'try')`,
          ),
        );
      }),
    );
    expect(String((error as { _tag?: string })._tag)).toMatch(/TenantIsolationError|DatabaseQueryError/);
  });

  it('the scheduled disposition job records the blueprint’s retention, then disposes at its scheduled time; bad params dead-letter', async () => {
    const job = (params: Record<string, unknown>): ConnectorJob => ({
      version: 1,
      jobId: `disposition-${params.retentionDays}`,
      customerId: B,
      connectorId: 'retention-disposition',
      platform: 'retention',
      kind: 'disposition',
      requestedAt: NOW.toISOString(),
      params,
    });
    const runs = <X>(effect: Effect.Effect<X, unknown, unknown>) => run(effect as Effect.Effect<X, unknown, Services>);
    const first = await runs(runJob(job({ retentionDays: 30 })));
    expect(first).toMatchObject({ scopes: [], more: false });
    await run(
      Effect.gen(function* () {
        const ingest = yield* Ingest;
        yield* ingest.store({ customerId: B, connectorId: 'mail', platform: 'gmail' }, [email('b-old', 100)]);
      }),
    );
    await runs(runJob(job({ retentionDays: 30 })));
    const left = await run(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(
          B,
          tenant.sql<{ n: number }>`SELECT count(*)::int AS n FROM communications WHERE external_id = 'b-old'`,
        );
      }),
    );
    expect(left).toEqual([{ n: 0 }]);
    const bad = await runs(Effect.flip(runJob(job({ retentionDays: 0 }))));
    expect(bad).toMatchObject({ _tag: 'BadPayload' });
  });
});
