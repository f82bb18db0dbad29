import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Exit } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeArchiveImportConnector } from '../../../../src/services/connectors/import/archive-import.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { type JobOutcome, runJob } from '../../../../src/services/pipeline/runner.js';
import { openTestDatabase, type TestDatabase } from '../../../support/database.js';
import { countAs, createCustomer, pipelineRuntime, queryAs } from '../../pipeline/support/harness.js';

const EXPORT = fileURLToPath(new URL('./fixtures/export', import.meta.url));

let db: TestDatabase;
let customerId: string;
let first: JobOutcome;
let runtime: ReturnType<typeof pipelineRuntime>;
const job = (): ConnectorJob => ({
  version: 1,
  jobId: `import-${Math.random()}`,
  customerId,
  connectorId: 'backfill',
  platform: 'import',
  kind: 'import',
  requestedAt: '2025-01-06T10:00:00Z',
  params: { path: EXPORT },
});

beforeAll(async () => {
  db = await openTestDatabase();
  customerId = await createCustomer(db);
  // Pages of 3, so the import crosses files and the inside of the mbox between pages.
  runtime = pipelineRuntime(db, { connectors: [makeArchiveImportConnector({ pageSize: 3 })] });
  const exit = await runtime.runPromiseExit(runJob(job()));
  if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
  first = exit.value;
});
afterAll(async () => {
  await runtime.dispose();
  await db.close();
});

const row = async (messageId: string) =>
  (
    await queryAs<Record<string, unknown>>(
      db,
      customerId,
      `SELECT id, subject, sender, sender_name, body_text, thread_id, sent_at, metadata FROM communications WHERE external_id = $1`,
      [messageId],
    )
  )[0] as Record<string, string & Record<string, unknown>>;

describe('archive import of an .eml folder and mbox files', () => {
  it('stores each distinct message once, across .eml files and mbox entries', async () => {
    const ids = await queryAs<{ external_id: string }>(
      db,
      customerId,
      'SELECT external_id FROM communications ORDER BY 1',
    );
    expect(ids.map((r) => r.external_id)).toEqual([
      'broken-4@acme.example',
      'intl-3@acme.example',
      'mbox-5@acme.example',
      'mbox-6@acme.example',
      'multi-2@acme.example',
      'plain-1@acme.example',
    ]);
    // plain.eml is the same message as the mbox's fourth entry: a duplicate, not a second row.
    expect(first.scopes[0]).toMatchObject({ stored: 6, duplicates: 1 });
  });

  it('reports every malformed file with its path and goes on', () => {
    const skipped = Object.fromEntries(first.scopes[0]?.skipped.map((s) => [s.location, s.reason]) ?? []);
    expect(Object.keys(skipped).sort()).toEqual(['archive.mbox#3', 'garbage.eml', 'not-really.mbox', 'notes.txt']);
    expect(skipped['garbage.eml']).toMatch(/binary|header/);
    expect(skipped['not-really.mbox']).toMatch(/not an mbox/);
  });

  it('decodes multipart bodies and keeps attachments with their hash', async () => {
    const multi = await row('multi-2@acme.example');
    expect(multi.body_text).toContain('Settlement instructions attached — see the PDF.');
    const attachments = await queryAs<{ filename: string; content_type: string; size_bytes: string; sha256: string }>(
      db,
      customerId,
      'SELECT filename, content_type, size_bytes::text, sha256 FROM attachments WHERE communication_id = $1',
      [multi.id],
    );
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    expect(attachments).toEqual([
      {
        filename: 'ssi.pdf',
        content_type: 'application/pdf',
        size_bytes: String(pdf.length),
        sha256: createHash('sha256').update(pdf).digest('hex'),
      },
    ]);
  });

  it('decodes non-ASCII headers (RFC 2047) and charset-encoded bodies', async () => {
    const intl = await row('intl-3@acme.example');
    expect(intl.subject).toBe('Bestätigung: Geschäft €1,5 Mio');
    expect(intl.sender_name).toBe('Jürgen Müller');
    expect(intl.sender).toBe('juergen@bank.example');
    expect(intl.body_text).toBe('Schöne Grüße aus München.');
  });

  it('keeps a message with broken encodings and no Date, dated by its file', async () => {
    const broken = await row('broken-4@acme.example');
    expect(broken.subject).toMatch(/^Caf.* order \(legacy system\)$/);
    expect(broken.body_text).toContain('Prix: 12');
    expect((broken.metadata as Record<string, unknown>).dateMissing).toBe(true);
    expect(new Date(broken.sent_at).getFullYear()).toBeGreaterThan(2000);
  });

  it('records every participant role and the mbox thread', async () => {
    const plain = await row('plain-1@acme.example');
    const people = await queryAs<{ role: string; address: string }>(
      db,
      customerId,
      'SELECT role, address FROM participants WHERE communication_id = $1 ORDER BY role',
      [plain.id],
    );
    expect(people).toEqual([
      { role: 'cc', address: 'compliance@acme.example' },
      { role: 'from', address: 'alice@acme.example' },
      { role: 'to', address: 'bob@acme.example' },
    ]);
    expect((await row('mbox-6@acme.example')).thread_id).toBe('mbox-5@acme.example');
  });

  it('importing the same export again changes nothing', async () => {
    const before = await countAs(db, customerId, 'communications');
    const exit = await runtime.runPromiseExit(runJob(job()));
    if (!Exit.isSuccess(exit)) throw new Error(String(exit.cause));
    expect(exit.value.scopes[0]).toMatchObject({ stored: 0, duplicates: 7 });
    expect(await countAs(db, customerId, 'communications')).toBe(before);
    expect(await countAs(db, customerId, 'attachments')).toBe(2);
  });
});
