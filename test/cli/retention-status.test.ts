import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect } from 'effect';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureCustomerRow, openLocalPipeline } from '../../src/cli/local-pipeline.js';
import type { RetentionStatus } from '../../src/contracts/retention-status.js';
import { readRetentionEvidence } from '../../src/guardrails/evidence/retention.js';
import { Ingest } from '../../src/services/pipeline/ingest.js';
import { runPanops as cli } from '../support/panops-cli.js';
import { ACME, emailPastRetention } from '../support/retention-fixtures.js';

const home = mkdtempSync(join(tmpdir(), 'panops-retention-status-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const email = emailPastRetention;

const status = async (): Promise<{ out: string; status: RetentionStatus }> => {
  const run = await cli('retention-status', '--customer', 'acme-capital', '--home', home);
  expect(run.ok, run.out).toBe(true);
  return {
    out: run.out,
    status: JSON.parse(readFileSync(join(home, 'retention', 'acme-capital.json'), 'utf8')) as RetentionStatus,
  };
};

describe('panops retention-status (local PGlite)', () => {
  it("reads the policy in force, open matters, held counts and the last disposition run from the customer's database", async () => {
    const pipeline = await openLocalPipeline({ home });
    try {
      await pipeline.runtime.runPromise(
        Effect.gen(function* () {
          yield* ensureCustomerRow(ACME);
          yield* (yield* Ingest).store({ customerId: ACME.id, connectorId: 'mail', platform: 'm365' }, [
            email('m-1', 'block trade with Borealis'),
            email('m-2', 'lunch'),
            email('m-3', 'weekend'),
          ]) as Effect.Effect<unknown>;
        }) as Effect.Effect<void, unknown, never>,
      );
    } finally {
      await pipeline.close();
    }

    const before = await status();
    expect(before.status).toMatchObject({
      customerId: ACME.id,
      customerSlug: 'acme-capital',
      policyInDatabase: [{ platform: '*', kind: '*', retentionDays: 2557 }],
      openMatters: [],
      held: { communications: 0, attachments: 0, recordings: 0 },
      heldPastRetention: 0,
      lastDisposition: null,
    });
    expect(before.out).toMatch(/0 open matter\(s\)/);
    expect(before.out).toMatch(/last disposition: none recorded/);

    for (const matter of ['SEC-2026-01', 'FINRA-7'])
      await cli(
        'hold',
        '--customer',
        'acme-capital',
        '--matter',
        matter,
        '--query',
        'block trade',
        '--reason',
        'subpoena',
        '--home',
        home,
      );
    await cli('dispose', '--customer', 'acme-capital', '--home', home, '--batch-size', '1');

    const after = await status();
    expect(after.status.openMatters.map((m) => [m.matter, m.communications])).toEqual([
      ['FINRA-7', 1],
      ['SEC-2026-01', 1],
    ]);
    expect(after.status.held).toEqual({ communications: 1, attachments: 1, recordings: 0 });
    expect(after.status.heldPastRetention).toBe(1);
    const last = after.status.lastDisposition;
    expect(last).toMatchObject({
      batches: 2,
      deleted: { communications: 2, attachments: 2 },
      objectsReleasedToLifecycle: 4,
    });
    expect(last?.actor).toMatch(/^cli:/);
    expect(last?.idsSha256).toHaveLength(2);
    expect(Date.parse(last?.cutoff ?? '')).toBeLessThanOrEqual(Date.parse(after.status.generatedAt));
    expect(after.out).toMatch(/2 open matter\(s\); held: 1 communication\(s\), 1 attachment\(s\), 0 recording\(s\)/);
    expect(after.out).toMatch(/last disposition: cutoff .* 2 batch\(es\), .*communications 2/);

    // The compliance report reads what the command wrote.
    const evidence = readRetentionEvidence(join(home, 'retention'));
    expect(evidence.statuses.map((s) => s.customerSlug)).toEqual(['acme-capital']);
    expect(evidence.statuses[0]).toEqual(after.status);
  }, 120_000);
});
