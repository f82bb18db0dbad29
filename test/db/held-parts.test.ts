import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, queryAs } from '../services/pipeline/support/harness.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';

// sql/0015: the parts of a held communication cannot be deleted either, whoever asks; an unheld one's can.
let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

const SHA = 'a'.repeat(64);

/** A communication with one of each part, as the application role; returns the ids. */
const communicationWithParts = async (customer: string, held: boolean) => {
  const id = randomUUID();
  const recording = randomUUID();
  await queryAs(
    db,
    customer,
    `INSERT INTO communications (customer_id, id, platform, external_id, kind, sent_at, legal_hold)
     VALUES ($1, $2, 'test', $3, 'call', now(), $4)`,
    [customer, id, `held-parts-${id}`, held],
  );
  await queryAs(
    db,
    customer,
    `INSERT INTO participants (customer_id, communication_id, role, address) VALUES ($1, $2, 'from', 'a@example.com')`,
    [customer, id],
  );
  await queryAs(
    db,
    customer,
    `INSERT INTO attachments (customer_id, communication_id, ordinal, object_key, sha256) VALUES ($1, $2, 0, 'objects/a', $3)`,
    [customer, id, SHA],
  );
  await queryAs(
    db,
    customer,
    `INSERT INTO recordings (customer_id, id, communication_id, object_key) VALUES ($1, $2, $3, 'objects/r')`,
    [customer, recording, id],
  );
  await queryAs(
    db,
    customer,
    `INSERT INTO transcript_segments (customer_id, recording_id, model, segment_index, start_seconds, end_seconds, text)
     VALUES ($1, $2, 'medium', 0, 0, 1, 'hello')`,
    [customer, recording],
  );
  await queryAs(
    db,
    customer,
    `INSERT INTO chunks (customer_id, communication_id, source_kind, chunk_index, content) VALUES ($1, $2, 'communication', 0, 'hello')`,
    [customer, id],
  );
  return { id, recording };
};

const PARTS = [
  ['transcript_segments', 'recording_id', 'recording'],
  ['chunks', 'communication_id', 'id'],
  ['participants', 'communication_id', 'id'],
  ['attachments', 'communication_id', 'id'],
  ['recordings', 'communication_id', 'id'],
] as const;

const deleteAs = (customer: string, table: string, column: string, value: string) =>
  queryAs(db, customer, `DELETE FROM ${table} WHERE customer_id = $1 AND ${column} = $2 RETURNING 1`, [
    customer,
    value,
  ]);

describe('legal hold reaches the parts of a communication (sql/0015)', () => {
  it('refuses deleting any part of a held communication as the application role', async () => {
    const customer = await createCustomer(db);
    const ids = await communicationWithParts(customer, true);
    for (const [table, column, key] of PARTS)
      await expect(deleteAs(customer, table, column, ids[key]), table).rejects.toThrow(/under legal hold/);
    for (const [table, column, key] of PARTS) {
      const [row] = await queryAs<{ n: number }>(
        db,
        customer,
        `SELECT count(*)::int AS n FROM ${table} WHERE customer_id = $1 AND ${column} = $2`,
        [customer, ids[key]],
      );
      expect(row?.n, table).toBeGreaterThan(0);
    }
  });

  it('lets the parts of an unheld communication go, one by one or with their communication', async () => {
    const customer = await createCustomer(db);
    const one = await communicationWithParts(customer, false);
    for (const [table, column, key] of PARTS)
      expect(await deleteAs(customer, table, column, one[key]), table).toHaveLength(1);
    const whole = await communicationWithParts(customer, false);
    expect(await deleteAs(customer, 'communications', 'id', whole.id)).toHaveLength(1);
    const [left] = await queryAs<{ n: number }>(
      db,
      customer,
      'SELECT count(*)::int AS n FROM chunks WHERE customer_id = $1 AND communication_id = $2',
      [customer, whole.id],
    );
    expect(left?.n).toBe(0);
  });
});
