import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect } from 'effect';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureCustomerRow } from '../../src/cli/local-pipeline.js';
import { sha256Hex } from '../../src/services/archive/archive-store.js';
import { TenantSql } from '../../src/services/db/tenant-sql.js';
import { Ingest } from '../../src/services/pipeline/ingest.js';
import { runPanops } from '../support/panops-cli.js';
import { ACME, emailPastRetention, onLocalPipeline, text } from '../support/retention-fixtures.js';

const home = mkdtempSync(join(tmpdir(), 'panops-retention-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const cli = runPanops;
const email = emailPastRetention;
const local = <A>(effect: Effect.Effect<A, unknown, Ingest | TenantSql>) => onLocalPipeline(home, effect);
const ids = () =>
  local(
    Effect.gen(function* () {
      const tenant = yield* TenantSql;
      return yield* tenant.withCustomer(
        ACME.id,
        tenant.sql<{ id: string; external_id: string; legal_hold: boolean }>`
          SELECT id, external_id, legal_hold FROM communications ORDER BY external_id`,
      );
    }),
  );
const objectFile = (content: string) => {
  const sha = sha256Hex(text(content));
  return join(home, 'archive', ACME.id, 'objects', 'sha256', sha.slice(0, 2), sha);
};

describe('panops hold / release / dispose (local PGlite and archive)', () => {
  it('a held message survives disposition with its objects; the unheld one goes, rows then objects, audited; release frees it', async () => {
    await local(
      Effect.gen(function* () {
        yield* ensureCustomerRow(ACME);
        const ingest = yield* Ingest;
        yield* ingest.store({ customerId: ACME.id, connectorId: 'mail', platform: 'm365' }, [
          email('m-1', 'block trade with Borealis'),
          email('m-2', 'lunch'),
        ]);
      }),
    );
    const before = await ids();
    const held = await cli(
      'hold',
      '--customer',
      'acme-capital',
      '--matter',
      'SEC-2026-01',
      '--query',
      'block trade',
      '--reason',
      'subpoena',
      '--home',
      home,
    );
    expect(held.out).toMatch(/1 communication\(s\) held \(1 newly by this matter\), 2 archive object\(s\) held/);
    const both = await cli(
      'hold',
      '--customer',
      'acme-capital',
      '--matter',
      'SEC-2026-01',
      '--reason',
      'x',
      '--home',
      home,
    );
    expect(both.ok).toBe(false); // neither --ids nor --query

    const dry = await cli('dispose', '--customer', 'acme-capital', '--dry-run', '--home', home);
    expect(dry.out).toMatch(/Dry run: 1 communication\(s\) past retention would be deleted/);
    expect(dry.out).toContain(`would delete ${before.find((r) => r.external_id === 'm-2')?.id}`);
    expect(await ids()).toHaveLength(2);

    const run = await cli('dispose', '--customer', 'acme-capital', '--home', home);
    expect(run.out).toMatch(/Disposed of 1 communication\(s\) in 1 batch\(es\) \(.*attachments 1.*communications 1\)/);
    expect(run.out).toMatch(/1 communication\(s\) past retention kept by a legal hold/);
    expect((await ids()).map((r) => [r.external_id, r.legal_hold])).toEqual([['m-1', true]]);
    expect(existsSync(objectFile('raw m-2'))).toBe(false);
    expect(existsSync(objectFile('attachment of m-2'))).toBe(false);
    expect(existsSync(objectFile('raw m-1'))).toBe(true);
    expect(existsSync(objectFile('attachment of m-1'))).toBe(true);

    const released = await cli(
      'release',
      '--customer',
      'acme-capital',
      '--matter',
      'SEC-2026-01',
      '--reason',
      'closed',
      '--home',
      home,
    );
    expect(released.out).toMatch(
      /released from 1 communication\(s\): 1 no longer held, 0 still held by another matter; 2 archive object\(s\) released/,
    );
    await cli('dispose', '--customer', 'acme-capital', '--home', home);
    expect(await ids()).toEqual([]);
    expect(existsSync(objectFile('raw m-1'))).toBe(false);

    const audit = await local(
      Effect.gen(function* () {
        const tenant = yield* TenantSql;
        return yield* tenant.withCustomer(
          ACME.id,
          tenant.sql<{ action: string; actor: string; operation: string | null }>`
            SELECT action, actor, coalesce(details ->> 'operation', details ->> 'phase') AS operation
            FROM audit_log WHERE action IN ('legal_hold', 'disposition', 'retention_policy') ORDER BY occurred_at, action`,
        );
      }),
    );
    expect(audit.map((a) => `${a.action}:${a.operation}`)).toEqual([
      'retention_policy:null',
      'legal_hold:place',
      'disposition:rows',
      'disposition:objects',
      'legal_hold:release',
      'disposition:rows',
      'disposition:objects',
    ]);
    expect(audit.find((a) => a.action === 'legal_hold')?.actor).toMatch(/^cli:/);
  }, 120_000);

  it('release against a server needs the owner’s connection: the application role cannot lift a hold', async () => {
    const out = await cli(
      'release',
      '--customer',
      'acme-capital',
      '--matter',
      'X',
      '--reason',
      'r',
      '--home',
      home,
      '--database-url',
      'postgres://app@127.0.0.1:1/none',
    );
    expect(out.ok).toBe(false);
    expect(String(out.exit._tag === 'Failure' ? out.exit.cause : '')).toMatch(/--owner-database-url/);
  });
});
