import { Effect } from 'effect';
import { TenantSql } from '../../../src/services/db/tenant-sql.js';

/**
 * Rows a test needs in the archive, written the only way services may write
 * them: through the tenant-scoped service, as the customer.
 */

export const seedCustomer = (customerId: string, slug: string) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    yield* db.withCustomer(
      customerId,
      db.sql`INSERT INTO customers (customer_id, slug, display_name) VALUES (${customerId}, ${slug}, ${slug})
             ON CONFLICT DO NOTHING`,
    );
  });

export interface CommunicationSeed {
  readonly platform?: string;
  readonly kind?: 'email' | 'chat' | 'call' | 'meeting' | 'sms' | 'voice';
  readonly externalId: string;
  readonly sentAt?: string;
  readonly subject?: string;
  readonly body?: string;
  readonly sender?: string;
  readonly participants?: ReadonlyArray<{ readonly role: string; readonly address: string }>;
}

export const seedCommunication = (customerId: string, seed: CommunicationSeed) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    const sql = db.sql;
    return yield* db.withCustomer(
      customerId,
      Effect.gen(function* () {
        const [row] = yield* sql<{ id: string }>`
          INSERT INTO communications (customer_id, platform, external_id, kind, sent_at, sender, subject, body_text)
          VALUES (${customerId}, ${seed.platform ?? 'gmail'}, ${seed.externalId}, ${seed.kind ?? 'email'},
                  ${seed.sentAt ?? '2024-03-01T10:00:00Z'}, ${seed.sender ?? null}, ${seed.subject ?? null}, ${seed.body ?? null})
          RETURNING id`;
        const id = row?.id ?? '';
        for (const p of seed.participants ?? []) {
          yield* sql`INSERT INTO participants (customer_id, communication_id, role, address)
                     VALUES (${customerId}, ${id}, ${p.role}, ${p.address})`;
        }
        return id;
      }),
    );
  });

export const seedRecording = (
  customerId: string,
  communicationId: string,
  objectKey: string,
  contentType = 'audio/wav',
) =>
  Effect.gen(function* () {
    const db = yield* TenantSql;
    const rows = yield* db.withCustomer(
      customerId,
      db.sql<{ id: string }>`
        INSERT INTO recordings (customer_id, communication_id, object_key, content_type)
        VALUES (${customerId}, ${communicationId}, ${objectKey}, ${contentType}) RETURNING id`,
    );
    return rows[0]?.id ?? '';
  });
