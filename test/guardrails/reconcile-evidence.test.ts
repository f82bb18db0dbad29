import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../src/contracts/reconcile.js';
import type { ComplianceReport } from '../../src/guardrails/compliance/model.js';
import { ReconcileFiguresInvalid, readReconcileEvidence } from '../../src/guardrails/evidence/reconcile.js';
import { cellText } from '../../src/guardrails/report/document.js';
import { reconcileBlocks } from '../../src/guardrails/report/sections/reconcile.js';

const dir = mkdtempSync(join(tmpdir(), 'reconcile-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const figures = (generatedAt: string, gap: number): ReconcileReport => ({
  customerId: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01',
  customerSlug: 'acme-capital',
  since: '2026-11-01T00:00:00.000Z',
  generatedAt,
  rows: [
    {
      platform: 'twilio',
      connectorId: 'sms',
      day: '2026-11-02',
      basis: 'ids',
      provider: 3,
      archive: 3 - gap,
      gap,
      missing: gap > 0 ? ['SM9'] : [],
    },
    {
      platform: 'gmail',
      connectorId: 'mail',
      day: '2026-11-02',
      basis: 'count',
      provider: 5,
      archive: 5,
      gap: 0,
      missing: [],
    },
  ],
  totalGaps: gap,
});

describe('reconcile figures in the compliance report', () => {
  it('reads the newest figures per customer and shows each connector day, gaps named', () => {
    writeFileSync(join(dir, 'acme-old.json'), JSON.stringify(figures('2026-11-03T00:00:00.000Z', 0)));
    writeFileSync(join(dir, 'acme-capital.json'), JSON.stringify(figures('2026-11-04T00:00:00.000Z', 1)));
    const evidence = readReconcileEvidence(dir);
    expect(evidence.reports.map((r) => r.generatedAt)).toEqual(['2026-11-04T00:00:00.000Z']);

    const blocks = reconcileBlocks({ reconcile: evidence } as unknown as ComplianceReport);
    const text = JSON.stringify(blocks);
    expect(text).toContain('1 message(s) listed by a provider are not in the archive');
    const table = blocks.find((b) => b.kind === 'table');
    const rows = table && table.kind === 'table' ? table.rows.map((r) => r.map(cellText)) : [];
    expect(rows).toEqual([
      [
        'acme-capital',
        '2026-11-01',
        '2026-11-04T00:00:00.000Z',
        'twilio/sms',
        '2026-11-02',
        'ids',
        '3',
        '2',
        'GAP 1',
        'SM9',
      ],
      [
        'acme-capital',
        '2026-11-01',
        '2026-11-04T00:00:00.000Z',
        'gmail/mail',
        '2026-11-02',
        'count',
        '5',
        '5',
        '0',
        '',
      ],
    ]);
  });

  it('a report without figures has no Completeness section', () => {
    expect(reconcileBlocks({} as ComplianceReport)).toEqual([]);
  });

  it('refuses a figures file that is not reconcile figures, naming the file', () => {
    const bad = mkdtempSync(join(tmpdir(), 'reconcile-bad-'));
    writeFileSync(join(bad, 'x.json'), JSON.stringify({ customerSlug: 'acme-capital', rows: 'none' }));
    expect(() => readReconcileEvidence(bad)).toThrow(ReconcileFiguresInvalid);
    expect(() => readReconcileEvidence(bad)).toThrow(/x\.json/);
    rmSync(bad, { recursive: true, force: true });
  });
});
