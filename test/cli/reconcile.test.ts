import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cause, Effect, Exit } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCustomerRow, openLocalPipeline } from '../../src/cli/local-pipeline.js';
import { slackHistoryItem } from '../../src/services/connectors/slack/normalize.js';
import { Ingest } from '../../src/services/pipeline/ingest.js';
import { reconcileDays } from '../../src/services/reconcile/reconcile.js';
import { type FakeSlackMessage, startFakeSlack } from '../services/connectors/slack/fake-slack.js';
import { startFakeTwilio } from '../services/connectors/twilio/fake-twilio.js';
import { runPanops } from '../support/panops-cli.js';

const ACME = { id: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01', slug: 'acme-capital', displayName: 'Acme Capital' };
const TOKEN = 'xoxb-reconcile';
const home = mkdtempSync(join(tmpdir(), 'panops-reconcile-'));
let slack: Awaited<ReturnType<typeof startFakeSlack>>;
beforeAll(async () => {
  slack = await startFakeSlack(TOKEN);
  process.env.PANOPS_TEST_SLACK_TOKEN = TOKEN;
});
afterAll(async () => {
  await slack.close();
  rmSync(home, { recursive: true, force: true });
});

const cli = runPanops;
/** `panops reconcile` of acme-capital since 2026-11-01 with a sources file, on the test's home. */
const reconcileArgs = (sources: string) =>
  ['reconcile', '--customer', 'acme-capital', '--since', '2026-11-01', '--sources', sources, '--home', home] as const;

// 2026-11-02 (UTC): a parent with one reply and two plain messages.
const msg = (ts: string, extra: Partial<FakeSlackMessage> = {}): FakeSlackMessage => ({
  type: 'message',
  user: 'U061F7AUR',
  text: `at ${ts}`,
  ts,
  ...extra,
});
const parent = msg('1793606400.000100');
const reply = msg('1793606460.000200', { thread_ts: parent.ts });
const second = msg('1793610000.000300');
const third = msg('1793613600.000400');

/** Stores Slack messages into the local archive as the connector would. */
const archive = async (messages: FakeSlackMessage[]) => {
  const pipeline = await openLocalPipeline({ home });
  try {
    await pipeline.runtime.runPromise(
      Effect.gen(function* () {
        yield* ensureCustomerRow(ACME);
        const ingest = yield* Ingest;
        yield* ingest.store(
          { customerId: ACME.id, connectorId: 'slack-workspace', platform: 'slack' },
          messages.map((m) => slackHistoryItem('T061EG9R6', 'C-REC', m)),
        );
      }) as Effect.Effect<void, unknown, never>,
    );
  } finally {
    await pipeline.close();
  }
};

describe('panops reconcile', () => {
  it('compares ids where the provider lists them, counts where it only counts, and finds an id on a neighbouring day', () => {
    const rows = reconcileDays(
      [
        { platform: 'slack', connectorId: 's', day: '2026-11-02', ids: ['C:1', 'C:2'], count: 2 },
        { platform: 'zoom', connectorId: 'z', day: '2026-11-02', count: 3 },
      ],
      [
        { platform: 'slack', connectorId: 's', day: '2026-11-03', ids: ['C:2#edit:9'] },
        { platform: 'zoom', connectorId: 'z', day: '2026-11-02', ids: ['m1', 'm2'] },
      ],
    );
    expect(rows.map((r) => [r.platform, r.basis, r.gap, r.missing])).toEqual([
      ['slack', 'ids', 1, ['C:1']],
      ['zoom', 'count', 1, []],
    ]);
  });

  it('reports a Slack gap per day (history and thread replies), exits non-zero, and passes once the archive is whole', async () => {
    slack.channels.set('C-REC', [parent, reply, second, third]);
    const sources = join(home, 'sources.json');
    writeFileSync(
      sources,
      JSON.stringify({
        connectors: [
          {
            platform: 'slack',
            connectorId: 'slack-workspace',
            tokenEnv: 'PANOPS_TEST_SLACK_TOKEN',
            channels: ['C-REC'],
            baseUrl: slack.baseUrl,
            minRequestIntervalMs: 0,
          },
        ],
      }),
    );
    await archive([parent, reply, third]);
    const args = reconcileArgs(sources);
    const gap = await cli(...args);
    expect(gap.ok).toBe(false);
    expect(gap.out).toContain('2026-11-02  slack/slack-workspace  provider 4 (ids)  archive 3  gap 1');
    expect(gap.out).toContain(`missing: C-REC:${second.ts}`);
    // The figure CloudWatch extracts (embedded metric format) for the ArchiveGaps alarm.
    const emf = JSON.parse(gap.out.split('\n').find((l) => l.startsWith('{"_aws"')) ?? '{}');
    expect(emf).toMatchObject({ Customer: 'acme-capital', ArchiveGaps: 1 });
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('PanOps/Reconcile');

    await archive([second]);
    const whole = await cli(...args);
    expect(whole.ok).toBe(true);
    const figures = JSON.parse(readFileSync(join(home, 'reconcile', 'acme-capital.json'), 'utf8'));
    expect(figures).toMatchObject({ customerSlug: 'acme-capital', totalGaps: 0 });
    expect(figures.rows).toEqual([
      expect.objectContaining({ day: '2026-11-02', provider: 4, archive: 4, gap: 0, basis: 'ids' }),
    ]);
  }, 60_000);

  it('without a sources file, lists the blueprint’s connectors by their scope, each token from PANOPS_TOKEN_<ID>', async () => {
    // borealis-health's twilio-voice connector names its account SID in the blueprint (providerAccountId).
    const account = 'AC5e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b';
    const twilio = await startFakeTwilio(account, 'borealis-auth');
    try {
      twilio.messages.push({ sid: 'SMbp1', direction: 'inbound', date_sent: 'Mon, 02 Nov 2026 10:00:00 +0000' });
      const args = ['reconcile', '--customer', 'borealis-health', '--since', '2026-11-01', '--home', home];
      const local = ['--connector', 'twilio-voice', '--provider-base-url', twilio.baseUrl];
      const unset = await cli(...args, ...local);
      expect(Exit.isFailure(unset.exit) && String(Cause.squash(unset.exit.cause))).toMatch(
        /blueprint: connectors\[twilio-voice\]\.tokenEnv: PANOPS_TOKEN_TWILIO_VOICE is not set/,
      );
      process.env.PANOPS_TOKEN_TWILIO_VOICE = 'borealis-auth';
      const run = await cli(...args, ...local, '--out', join(home, 'borealis.json'));
      expect(run.ok).toBe(false);
      expect(run.out).toContain('2026-11-02  twilio/twilio-voice  provider 1 (ids)  archive 0  gap 1  missing: SMbp1');
      const other = await cli(...args, '--connector', 'no-such-connector');
      expect(Exit.isFailure(other.exit) && String(Cause.squash(other.exit.cause))).toMatch(
        /borealis-health has no connector no-such-connector to reconcile/,
      );
    } finally {
      delete process.env.PANOPS_TOKEN_TWILIO_VOICE;
      await twilio.close();
    }
  }, 60_000);

  it('refuses a sources file with a bad field, naming the file', async () => {
    const bad = join(home, 'bad.json');
    writeFileSync(bad, JSON.stringify({ connectors: [{ platform: 'slack', connectorId: 'x' }] }));
    const run = await cli('reconcile', '--customer', 'acme-capital', '--sources', bad, '--home', home);
    expect(run.ok).toBe(false);
    expect(Exit.isFailure(run.exit) && String(Cause.squash(run.exit.cause))).toMatch(/bad\.json.*tokenEnv/s);
  });

  it('reconciles a Twilio connector from the sources file: inbound SMS the archive lacks are named per day', async () => {
    const account = 'AC0123456789abcdef0123456789abcdef';
    const twilio = await startFakeTwilio(account, 'twilio-auth');
    try {
      process.env.PANOPS_TEST_TWILIO_TOKEN = 'twilio-auth';
      twilio.messages.push({ sid: 'SMcli1', direction: 'inbound', date_sent: 'Mon, 02 Nov 2026 10:00:00 +0000' });
      const sources = join(home, 'twilio-sources.json');
      writeFileSync(
        sources,
        JSON.stringify({
          connectors: [
            {
              platform: 'twilio',
              connectorId: 'sms',
              tokenEnv: 'PANOPS_TEST_TWILIO_TOKEN',
              accountSid: account,
              baseUrl: twilio.baseUrl,
            },
          ],
        }),
      );
      const run = await cli(...reconcileArgs(sources), '--out', join(home, 'twilio-figures.json'));
      expect(run.ok).toBe(false);
      expect(run.out).toContain('2026-11-02  twilio/sms  provider 1 (ids)  archive 0  gap 1  missing: SMcli1');
    } finally {
      await twilio.close();
    }
  }, 60_000);
});
