import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Effect, Layer } from 'effect';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureCustomerRow, type LocalPipeline, openLocalPipeline } from '../../../src/cli/local-pipeline.js';
import { twilioMessageItem } from '../../../src/services/connectors/twilio/normalize.js';
import { staticCredentialsLayer } from '../../../src/services/pipeline/credentials.js';
import { Ingest } from '../../../src/services/pipeline/ingest.js';
import { decodeJob, encodeJob } from '../../../src/services/pipeline/job.js';
import { runJob } from '../../../src/services/pipeline/runner.js';
import { Reconciler, reconcileWindow } from '../../../src/services/reconcile/reconcile-job.js';
import { type FakeTwilio, startFakeTwilio } from '../connectors/twilio/fake-twilio.js';

const ACME = { id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', slug: 'acme-capital', displayName: 'Acme Capital' };
const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const home = mkdtempSync(join(tmpdir(), 'panops-reconcile-job-'));
let pipeline: LocalPipeline;
let twilio: FakeTwilio;
beforeAll(async () => {
  [pipeline, twilio] = await Promise.all([openLocalPipeline({ home }), startFakeTwilio(ACCOUNT, 'twilio-auth')]);
});
afterAll(async () => {
  await Promise.all([pipeline.close(), twilio.close()]);
  rmSync(home, { recursive: true, force: true });
});

/** The job as the daily schedule delivers it (SQS message body), decoded as the worker decodes it. */
const scheduled = (params: Record<string, unknown>) =>
  Effect.runSync(
    decodeJob(
      encodeJob({
        version: 1,
        jobId: 'e6c8a6d2-0f5e-4a63-9d1c-2f1a3b4c5d6e',
        customerId: ACME.id,
        connectorId: 'sms',
        platform: 'twilio',
        kind: 'reconcile',
        requestedAt: '2025-01-09T03:17:00Z',
        params,
      }),
    ),
  );

const run = async (params: Record<string, unknown>) => {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const exit = await pipeline.runtime.runPromiseExit(
      runJob(scheduled(params)).pipe(
        Effect.provide(
          Reconciler.layerWith({ baseUrl: twilio.baseUrl }).pipe(Layer.provide(staticCredentialsLayer('twilio-auth'))),
        ),
      ),
    );
    return { exit, lines };
  } finally {
    log.mockRestore();
  }
};

describe('scheduled reconcile job', () => {
  it('covers the two whole UTC days that ended a day before the run', () => {
    expect(reconcileWindow(new Date('2025-01-09T03:17:00Z'))).toEqual({
      since: new Date('2025-01-06T00:00:00.000Z'),
      until: new Date('2025-01-07T23:59:59.999Z'),
    });
  });

  it('lists the provider, reads the archive as the customer, and prints the figures and the ArchiveGaps metric line', async () => {
    twilio.messages.push(
      { sid: 'SM1', direction: 'inbound', date_sent: 'Mon, 06 Jan 2025 10:00:00 +0000' },
      { sid: 'SM2', direction: 'inbound', date_sent: 'Tue, 07 Jan 2025 10:00:00 +0000' },
      { sid: 'SM3', direction: 'inbound', date_sent: 'Wed, 08 Jan 2025 10:00:00 +0000' }, // after the window
    );
    await pipeline.runtime.runPromise(
      Effect.gen(function* () {
        yield* ensureCustomerRow(ACME);
        const ingest = yield* Ingest;
        const sms = (sid: string, at: string) =>
          twilioMessageItem(
            { MessageSid: sid, AccountSid: ACCOUNT, From: '+15550001', To: '+15550002', Body: sid },
            { MessageSid: sid, AccountSid: ACCOUNT, From: '+15550001', To: '+15550002', Body: sid },
            new Date(at),
          );
        yield* ingest.store({ customerId: ACME.id, connectorId: 'sms', platform: 'twilio' }, [
          sms('SM1', '2025-01-06T10:00:02Z'),
        ]);
      }) as Effect.Effect<void, unknown, never>,
    );

    const { exit, lines } = await run({ customerSlug: ACME.slug, accountSid: ACCOUNT });
    expect(exit._tag === 'Success' ? 'Success' : JSON.stringify(exit.cause)).toBe('Success');
    const figures = JSON.parse(lines.find((l) => l.startsWith('{"reconcileFigures"')) ?? '{}').reconcileFigures;
    expect(figures).toMatchObject({ customerSlug: 'acme-capital', totalGaps: 1 });
    expect(figures.rows).toEqual([
      expect.objectContaining({ day: '2025-01-06', basis: 'ids', provider: 1, gap: 0 }),
      expect.objectContaining({ day: '2025-01-07', basis: 'ids', provider: 1, gap: 1, missing: ['SM2'] }),
    ]);
    const emf = JSON.parse(lines.find((l) => l.startsWith('{"_aws"')) ?? '{}');
    expect(emf).toMatchObject({ Customer: 'acme-capital', ArchiveGaps: 1 });
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'PanOps/Reconcile' });
  }, 60_000);

  it('dead-letters a job without the listing params its provider needs, naming them', async () => {
    const { exit } = await run({ customerSlug: ACME.slug });
    expect(exit._tag).toBe('Failure');
    expect(JSON.stringify(exit)).toContain('BadPayload');
    expect(JSON.stringify(exit)).toContain('accountSid');
  }, 60_000);
});
