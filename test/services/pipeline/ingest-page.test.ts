import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Exit, Layer, ManagedRuntime } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localArchiveStoreLayer } from '../../../src/services/archive/local.js';
import { parseEmail } from '../../../src/services/connectors/email/mime.js';
import { startEmailParsePool } from '../../../src/services/connectors/email/parse-pool.js';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';
import type { RawItem, UnparsedItem } from '../../../src/services/pipeline/communication.js';
import { Ingest } from '../../../src/services/pipeline/ingest.js';
import { sqlIngestLayer } from '../../../src/services/pipeline/ingest-sql.js';
import { memoryTranscriptionJobsLayer } from '../../../src/services/queue/transcription-jobs.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { countAs, createCustomer } from './support/harness.js';
import { message } from './support/mailbox-connector.js';

/**
 * Ingest a page at a time (issue 20): the page is one transaction, and items
 * handed over unparsed are parsed only when their bytes are not stored yet.
 */
let db: TestDatabase;
let runtime: ManagedRuntime.ManagedRuntime<Ingest, unknown>;
beforeAll(async () => {
  db = await openTestDatabase();
  runtime = ManagedRuntime.make(
    sqlIngestLayer().pipe(
      Layer.provide(
        Layer.mergeAll(
          TenantSql.layer().pipe(Layer.provide(db.appLayer)),
          localArchiveStoreLayer(mkdtempSync(join(tmpdir(), 'ingest-page-'))),
          memoryTranscriptionJobsLayer(),
        ),
      ),
    ) as Layer.Layer<Ingest, unknown>,
  );
});
afterAll(async () => {
  await runtime.dispose();
  await db.close();
});

/** Unparsed items whose parses are counted. */
const unparsedOf = (raws: readonly string[], parses: { n: number }): UnparsedItem[] =>
  raws.map((text, i) => {
    const raw = new Uint8Array(Buffer.from(text));
    return {
      sourceId: `mail.mbox#${i + 1}`,
      raw,
      contentType: 'message/rfc822',
      parse: () => {
        parses.n++;
        return parseEmail(raw, { sourceId: `mail.mbox#${i + 1}` });
      },
    };
  });

const store = (customerId: string, unparsed: readonly UnparsedItem[], items: readonly RawItem[] = []) =>
  runtime.runPromiseExit(
    Ingest.use((ingest) => ingest.store({ customerId, connectorId: 'backfill', platform: 'import' }, items, unparsed)),
  );

describe('page ingest', () => {
  it('parses only what is not stored yet: a redelivered page is recognized by raw hash and parsed not at all', async () => {
    const customerId = await createCustomer(db);
    const raws = Array.from({ length: 6 }, (_, i) => message(500 + i));
    const parses = { n: 0 };
    const first = await store(customerId, unparsedOf(raws, parses));
    expect(Exit.isSuccess(first) && first.value).toMatchObject({ stored: 6, duplicates: 0, skipped: [] });
    expect(parses.n).toBe(6);
    const again = await store(customerId, unparsedOf(raws, parses));
    expect(Exit.isSuccess(again) && again.value).toMatchObject({ stored: 0, duplicates: 6, skipped: [] });
    expect(parses.n).toBe(6);
    // Half known, half new: only the new half is parsed and stored.
    const mixed = await store(customerId, unparsedOf([...raws.slice(3), message(600), message(601)], parses));
    expect(Exit.isSuccess(mixed) && mixed.value).toMatchObject({ stored: 2, duplicates: 3 });
    expect(parses.n).toBe(8);
    expect(await countAs(db, customerId, 'communications')).toBe(8);
  });

  it('reports an unparsed item that is not an email with its location, and stores the rest of the page', async () => {
    const customerId = await createCustomer(db);
    const exit = await store(
      customerId,
      unparsedOf([message(700), '\u0000\u0001 binary junk', message(701)], { n: 0 }),
    );
    expect(Exit.isSuccess(exit) && exit.value).toMatchObject({
      stored: 2,
      skipped: [{ location: 'mail.mbox#2' }],
    });
  });

  it('stores a page whole or not at all: one bad row rolls back every row of its page', async () => {
    const customerId = await createCustomer(db);
    // One item of the page breaks a rule of the schema (CHECK external_id <> ''); the other two are fine.
    const raw = new Uint8Array(Buffer.from(message(801)));
    const parsed = await parseEmail(raw, { sourceId: 'bad.eml' });
    if ('reason' in parsed) throw new Error(parsed.reason);
    const bad: RawItem = {
      sourceId: 'bad.eml',
      raw,
      contentType: 'message/rfc822',
      communication: { ...parsed, externalId: '' },
    };
    const exit = await store(customerId, unparsedOf([message(800), message(802)], { n: 0 }), [bad]);
    expect(Exit.isFailure(exit)).toBe(true);
    expect(await countAs(db, customerId, 'communications')).toBe(0);
    expect(await countAs(db, customerId, 'participants')).toBe(0);
  });
});

describe('email parse pool', () => {
  it('parses on worker threads exactly as on the main thread', async () => {
    const pool = startEmailParsePool(1);
    try {
      const raw = new Uint8Array(Buffer.from(message(900, '\r\nÜmlaut and a second line.')));
      const hints = { sourceId: 'x.eml', fallbackDate: new Date('2025-01-01T00:00:00Z') };
      expect(await pool.parse(raw, hints)).toEqual(await parseEmail(raw, hints));
    } finally {
      await pool.close();
    }
  });
});
