import { Effect, Exit } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSlackConnector } from '../../../../src/services/connectors/slack/connector.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { runJob } from '../../../../src/services/pipeline/runner.js';
import { openTestDatabase, type TestDatabase } from '../../../support/database.js';
import { createCustomer, pipelineRuntime, queryAs } from '../../pipeline/support/harness.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
}, 120_000);
afterAll(() => db.close());

const ORIGINAL = {
  type: 'message',
  channel: 'C024BE91L',
  user: 'U2147483697',
  text: 'Buy 100 ACME at 12.50',
  ts: '1700000000.000100',
};

/** The Events API envelopes of a message, its edit and its deletion, as the webhook Lambda queues them. */
const pushed = (customerId: string, n: number, event: Record<string, unknown>): ConnectorJob => ({
  version: 1,
  jobId: `slack-webhook-${n}`,
  customerId,
  connectorId: 'slack-workspace',
  platform: 'slack',
  kind: 'webhook',
  requestedAt: '2026-11-20T10:00:00Z',
  params: {
    event: {
      _tag: 'SlackEvent',
      payload: { type: 'event_callback', team_id: 'T061EG9R6', event_id: `Ev${n}`, event_time: 1, event },
    },
  },
});

describe('Slack edits and deletions in the database', () => {
  it('stores the original, the edit and the deletion as three rows; the original text stays retrievable', async () => {
    const customerId = await createCustomer(db, 'slack-versions');
    const runtime = pipelineRuntime(db, {
      connectors: [makeSlackConnector().pipe(Effect.provide(staticCredentialsLayer('xoxb')))],
    });
    const edited = {
      ...ORIGINAL,
      text: 'Buy 100 ACME at 12.45',
      edited: { user: 'U2147483697', ts: '1700000060.000000' },
    };
    const jobs = [
      pushed(customerId, 1, ORIGINAL),
      pushed(customerId, 2, {
        type: 'message',
        subtype: 'message_changed',
        channel: ORIGINAL.channel,
        hidden: true,
        ts: '1700000060.000200',
        message: edited,
        previous_message: ORIGINAL,
      }),
      pushed(customerId, 3, {
        type: 'message',
        subtype: 'message_deleted',
        channel: ORIGINAL.channel,
        hidden: true,
        ts: '1700000120.000300',
        deleted_ts: ORIGINAL.ts,
        previous_message: edited,
      }),
      // SQS delivers at least once: the edit again changes nothing.
      pushed(customerId, 2, {
        type: 'message',
        subtype: 'message_changed',
        channel: ORIGINAL.channel,
        hidden: true,
        ts: '1700000060.000200',
        message: edited,
        previous_message: ORIGINAL,
      }),
    ];
    for (const job of jobs) expect(Exit.isSuccess(await runtime.runPromiseExit(runJob(job)))).toBe(true);
    await runtime.dispose();

    const rows = await queryAs<{
      external_id: string;
      body_text: string;
      version_kind: string;
      version_of: string | null;
    }>(
      db,
      customerId,
      `SELECT external_id, body_text, version_kind, version_of FROM communications WHERE platform = 'slack' ORDER BY sent_at`,
    );
    const originalKey = `${ORIGINAL.channel}:${ORIGINAL.ts}`;
    expect(rows).toEqual([
      { external_id: originalKey, body_text: 'Buy 100 ACME at 12.50', version_kind: 'original', version_of: null },
      {
        external_id: `${originalKey}#edit:1700000060.000000`,
        body_text: 'Buy 100 ACME at 12.45',
        version_kind: 'edit',
        version_of: originalKey,
      },
      {
        external_id: `${originalKey}#delete:1700000120.000300`,
        body_text: '',
        version_kind: 'deletion',
        version_of: originalKey,
      },
    ]);
  }, 60_000);
});
