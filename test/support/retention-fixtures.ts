import type { Effect } from 'effect';
import { openLocalPipeline } from '../../src/cli/local-pipeline.js';
import { sha256Hex } from '../../src/services/archive/archive-store.js';
import type { TenantSql } from '../../src/services/db/tenant-sql.js';
import type { RawItem } from '../../src/services/pipeline/communication.js';
import type { Ingest } from '../../src/services/pipeline/ingest.js';

/** acme-capital in blueprint/: 2557 days of retention, so mail sent 3000 days ago is past it. */
export const ACME = {
  id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01',
  slug: 'acme-capital',
  displayName: 'Acme Capital',
  retentionDays: 2557,
};

export const text = (s: string) => new TextEncoder().encode(s);

/** An email with one attachment, sent 3000 days ago (past acme-capital's retention). */
export const emailPastRetention = (id: string, subject: string): RawItem => {
  const content = text(`attachment of ${id}`);
  return {
    sourceId: id,
    raw: text(`raw ${id}`),
    contentType: 'message/rfc822',
    communication: {
      channel: 'email',
      externalId: id,
      subject,
      sentAt: new Date(Date.now() - 3000 * 86_400_000),
      bodyText: `body of ${id}`,
      participants: [{ role: 'from', address: 'desk@example.com' }],
      attachments: [
        { filename: 'a.txt', contentType: 'text/plain', size: content.byteLength, sha256: sha256Hex(content), content },
      ],
      recordings: [],
      metadata: {},
    },
  };
};

/** Runs `effect` on the local pipeline (PGlite and archive) of `home`, as `panops ingest` would, then closes it. */
export const onLocalPipeline = async <A>(home: string, effect: Effect.Effect<A, unknown, Ingest | TenantSql>) => {
  const pipeline = await openLocalPipeline({ home });
  try {
    return await pipeline.runtime.runPromise(effect as Effect.Effect<A, unknown, never>);
  } finally {
    await pipeline.close();
  }
};
