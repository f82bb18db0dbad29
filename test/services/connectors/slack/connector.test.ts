import { it as effectIt } from '@effect/vitest';
import { Effect, Fiber, Option } from 'effect';
import { TestClock } from 'effect/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLACK_NON_MARKETPLACE_LIMITS } from '../../../../src/services/connectors/slack/client.js';
import { makeSlackConnector } from '../../../../src/services/connectors/slack/connector.js';
import { slackEventItems } from '../../../../src/services/connectors/slack/normalize.js';
import type { Page } from '../../../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { type FakeSlackMessage, startFakeSlack } from './fake-slack.js';

const TOKEN = 'xoxb-test-token';
const CUSTOMER = '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01';
let slack: Awaited<ReturnType<typeof startFakeSlack>>;

beforeAll(async () => {
  slack = await startFakeSlack(TOKEN);
});
afterAll(() => slack.close());

const message = (i: number, extra: Partial<FakeSlackMessage> = {}): FakeSlackMessage => ({
  type: 'message',
  user: 'U2147483697',
  text: `message ${i}`,
  ts: `${1_700_000_000 + i}.000100`,
  ...extra,
});

const job = (params: Record<string, unknown>, kind: ConnectorJob['kind'] = 'poll'): ConnectorJob => ({
  version: 1,
  jobId: 'job-1',
  customerId: CUSTOMER,
  connectorId: 'slack-workspace',
  platform: 'slack',
  kind,
  requestedAt: '2026-11-20T00:00:00Z',
  params,
});

const connector = (interval = 0, settle = 0) =>
  Effect.runSync(
    makeSlackConnector({
      baseUrl: slack.baseUrl,
      minRequestIntervalMs: interval,
      teamId: 'T061EG9R6',
      settleSeconds: settle,
    }).pipe(Effect.provide(staticCredentialsLayer(TOKEN))),
  );

/** Pages a channel to the end as the runner does, returning the items and the final cursor. */
const reconcile = async (c: ReturnType<typeof connector>, channel: string, from: Option.Option<string>) => {
  const pages: Page[] = [];
  let cursor = from;
  for (;;) {
    const page = await Effect.runPromise(c.fetchPage(job({ channels: [channel] }), channel, cursor));
    pages.push(page);
    cursor = Option.some(page.nextCursor);
    if (page.done) return { items: pages.flatMap((p) => p.items), cursor, pages: pages.length };
  }
};

describe('Slack connector against a local Slack Web API', () => {
  it('reconciles a channel with oldest + cursor paging at 15 messages a page, then only what is newer', async () => {
    slack.channels.set(
      'C1',
      Array.from({ length: 40 }, (_, i) => message(i)),
    );
    const c = connector();
    const first = await reconcile(c, 'C1', Option.none());
    expect(first.pages).toBe(3);
    expect(new Set(first.items.map((i) => i.communication.externalId)).size).toBe(40);
    expect(
      slack.requests
        .filter((u) => u.searchParams.get('channel') === 'C1')
        .every((u) => u.searchParams.get('limit') === '15'),
    ).toBe(true);

    slack.channels.get('C1')?.push(message(40), message(41));
    const second = await reconcile(c, 'C1', first.cursor);
    expect(second.items.map((i) => i.communication.externalId)).toEqual([
      `C1:${message(41).ts}`,
      `C1:${message(40).ts}`,
    ]);
    expect(slack.requests.at(-1)?.searchParams.get('oldest')).toBe(message(39).ts);
  });

  it('leaves the last hour to push: the poll only reconciles messages older than the settle window', async () => {
    const now = Date.now() / 1000;
    const at = (secondsAgo: number) => ({
      ...message(0),
      text: `${secondsAgo}s ago`,
      ts: (now - secondsAgo).toFixed(6),
    });
    slack.channels.set('C7', [at(7200), at(5400), at(600), at(10)]);
    const { items } = await reconcile(connector(0, 3600), 'C7', Option.none());
    expect(items.map((i) => i.communication.bodyText)).toEqual(['5400s ago', '7200s ago']);
    expect(Number(slack.requests.at(-1)?.searchParams.get('latest'))).toBeLessThanOrEqual(now - 3600 + 1);
  });

  it('turns 429 into RateLimited with the Retry-After Slack asked for', async () => {
    slack.channels.set('C2', [message(1)]);
    slack.faults.push({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } });
    const result = await Effect.runPromise(
      Effect.result(connector().fetchPage(job({ channels: ['C2'] }), 'C2', Option.none())),
    );
    expect(result._tag === 'Failure' && result.failure).toMatchObject({ _tag: 'RateLimited', retryAfterMs: 30_000 });
  });

  it('turns 5xx into Transient and a revoked token into AuthExpired', async () => {
    slack.faults.push({ status: 503, body: { ok: false } });
    const down = await Effect.runPromise(
      Effect.result(connector().fetchPage(job({ channels: ['C2'] }), 'C2', Option.none())),
    );
    expect(down._tag === 'Failure' && down.failure._tag).toBe('Transient');
    slack.faults.push({ status: 200, body: { ok: false, error: 'token_revoked' } });
    const revoked = await Effect.runPromise(
      Effect.result(connector().fetchPage(job({ channels: ['C2'] }), 'C2', Option.none())),
    );
    expect(revoked._tag === 'Failure' && revoked.failure._tag).toBe('AuthExpired');
  });

  effectIt.effect('spaces its requests by the configured interval (one a minute in production), in virtual time', () =>
    Effect.gen(function* () {
      slack.channels.set(
        'C3',
        Array.from({ length: 31 }, (_, i) => message(i)),
      );
      const before = slack.requests.length;
      // The round's upper bound is "now": virtual now is the job's day, after the channel's messages.
      yield* TestClock.setTime(Date.parse('2026-11-20T00:00:00Z'));
      const c = connector(SLACK_NON_MARKETPLACE_LIMITS.minRequestIntervalMs);
      // Paged on this fiber (the test clock), as the runner pages.
      const paging = yield* Effect.forkChild(
        Effect.gen(function* () {
          let cursor = Option.none<string>();
          for (let pages = 1; ; pages++) {
            const page = yield* c.fetchPage(job({ channels: ['C3'] }), 'C3', cursor);
            if (page.done) return { pages };
            cursor = Option.some(page.nextCursor);
          }
        }),
      );
      // Virtual time moves a second at a time; between steps the local server answers (real I/O, no virtual time).
      // Each request is seen at the first step after it was made: never earlier than it was sent.
      const seenAt: number[] = [];
      for (let second = 0; second <= 150 && seenAt.length < 3; second++) {
        yield* TestClock.withLive(Effect.sleep('20 millis'));
        while (slack.requests.length - before > seenAt.length) seenAt.push(second * 1000);
        yield* TestClock.adjust('1 second');
      }
      const { pages } = yield* Fiber.join(paging);
      expect(pages).toBe(3);
      expect(seenAt[0]).toBeLessThan(60_000);
      expect(seenAt[1]).toBeGreaterThanOrEqual(60_000);
      expect(seenAt[2]).toBeGreaterThanOrEqual(120_000);
    }),
  );

  it('keeps an edit as a new version beside the original, with the same key whether pushed or polled', async () => {
    const original = message(7, { thread_ts: message(1).ts });
    const edited = {
      ...original,
      text: 'message 7 (corrected)',
      edited: { user: 'U2147483697', ts: '1700000100.000200' },
    };
    const pushedOriginal = slackEventItems('T061EG9R6', { ...original, channel: 'C4' });
    const pushedEdit = slackEventItems('T061EG9R6', {
      type: 'message',
      subtype: 'message_changed',
      channel: 'C4',
      ts: '1700000100.000300',
      message: edited,
      previous_message: original,
    });
    slack.channels.set('C4', [edited]);
    const polled = await reconcile(connector(), 'C4', Option.none());
    expect(pushedEdit[0]?.communication.externalId).toBe(polled.items[0]?.communication.externalId);
    expect(pushedOriginal[0]?.communication.externalId).toBe(`C4:${original.ts}`);
    expect(pushedEdit[0]?.communication).toMatchObject({
      bodyText: 'message 7 (corrected)',
      threadId: `C4:${message(1).ts}`,
      metadata: { version: 'edit', versionOf: `C4:${original.ts}` },
    });
  });

  it('keeps a deletion as a version with no text, pointing at the original that stays', () => {
    const original = message(9);
    const [deletion] = slackEventItems('T061EG9R6', {
      type: 'message',
      subtype: 'message_deleted',
      channel: 'C5',
      ts: '1700000200.000100',
      deleted_ts: original.ts,
      previous_message: original,
    });
    expect(deletion?.communication).toMatchObject({
      externalId: `C5:${original.ts}#delete:1700000200.000100`,
      bodyText: '',
      metadata: { version: 'deletion', versionOf: `C5:${original.ts}` },
    });
  });

  it('stores a pushed event from a webhook job without calling the Web API', async () => {
    const before = slack.requests.length;
    const payload = {
      type: 'event_callback',
      team_id: 'T061EG9R6',
      event_id: 'Ev1',
      event_time: 1,
      event: { ...message(3), channel: 'C6' },
    };
    const page = await Effect.runPromise(
      connector().fetchPage(job({ event: { _tag: 'SlackEvent', payload } }, 'webhook'), 'webhook', Option.none()),
    );
    expect(page.items.map((i) => i.communication.externalId)).toEqual([`C6:${message(3).ts}`]);
    expect(slack.requests.length).toBe(before);
  });
});

describe('Slack record fidelity', () => {
  it('keeps one `latest` for every page of a round, so messages posted meanwhile neither slip in nor drift the bound', async () => {
    slack.channels.set(
      'C-PIN',
      Array.from({ length: 35 }, (_, i) => message(i)),
    );
    const c = makeSlackConnector({
      baseUrl: slack.baseUrl,
      minRequestIntervalMs: 0,
      pageLimit: 15,
      settleSeconds: 0,
    }).pipe(Effect.provide(staticCredentialsLayer(TOKEN)), Effect.runSync);
    const before = slack.requests.length;
    await reconcile(c, 'C-PIN', Option.none());
    const latests = slack.requests.slice(before).map((u) => u.searchParams.get('latest'));
    expect(latests).toHaveLength(3);
    expect(new Set(latests).size).toBe(1);
  });

  it('archives each history message as Slack sent it (blocks, files, reactions) and derives a block-only text', async () => {
    const blocks = [
      {
        type: 'rich_text',
        block_id: 'Vrzs',
        elements: [
          {
            type: 'rich_text_section',
            elements: [
              { type: 'user', user_id: 'U2147483697' },
              { type: 'text', text: ' please book 5m at 101.25' },
            ],
          },
        ],
      },
    ];
    const reactions = [{ name: 'thumbsup', users: ['U0G9QF9C6'], count: 1 }];
    slack.channels.set('C-BLOCKS', [message(100, { text: '', blocks, reactions })]);
    const { items } = await reconcile(connector(), 'C-BLOCKS', Option.none());
    const raw = JSON.parse(new TextDecoder().decode(items[0]?.raw)) as Record<string, unknown>;
    expect(raw.blocks).toEqual(blocks);
    expect(raw.reactions).toEqual(reactions);
    expect(new TextDecoder().decode(items[0]?.envelope?.bytes)).toContain(new TextDecoder().decode(items[0]?.raw));
    expect(items[0]?.communication.bodyText).toBe('<@U2147483697> please book 5m at 101.25');
  });

  it('does not turn message_replied into an empty phantom message', () => {
    const items = slackEventItems('T061EG9R6', {
      type: 'message',
      subtype: 'message_replied',
      channel: 'C4',
      ts: '1700000200.000300',
      hidden: true,
      message: { type: 'message', user: 'U1', text: 'parent', ts: '1700000100.000100', thread_ts: '1700000100.000100' },
    } as Parameters<typeof slackEventItems>[1]);
    expect(items).toEqual([]);
  });

  it('fetches the replies of every thread (conversations.replies, paged) as their own messages linked to the parent', async () => {
    const parent = message(200, { text: 'Who can take the block?' });
    const lonely = message(201, { text: 'no replies here' });
    const replies = Array.from({ length: 20 }, (_, i) =>
      message(300 + i, { text: `reply ${i}`, thread_ts: parent.ts, parent_user_id: parent.user }),
    );
    slack.channels.set('C-THREADS', [parent, lonely, ...replies]);
    const c = makeSlackConnector({
      baseUrl: slack.baseUrl,
      minRequestIntervalMs: 0,
      pageLimit: 15,
      settleSeconds: 0,
    }).pipe(Effect.provide(staticCredentialsLayer(TOKEN)), Effect.runSync);
    const before = slack.requests.length;
    const first = await reconcile(c, 'C-THREADS', Option.none());
    const ids = first.items.map((i) => i.communication.externalId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(22);
    const threadItems = first.items.filter((i) => i.communication.metadata.threadTs === parent.ts);
    expect(threadItems.map((i) => i.communication.bodyText)).toEqual([
      'Who can take the block?',
      ...replies.map((r) => r.text),
    ]);
    expect(threadItems.every((i) => i.communication.threadId === `C-THREADS:${parent.ts}`)).toBe(true);
    // Each reply archived as Slack sent it in the replies page.
    const reply = threadItems[1];
    expect(JSON.parse(new TextDecoder().decode(reply?.raw))).toMatchObject({ parent_user_id: parent.user });
    expect(new TextDecoder().decode(reply?.envelope?.bytes)).toContain('"has_more"');
    const calls = slack.requests.slice(before).filter((u) => u.pathname === '/api/conversations.replies');
    expect(calls.map((u) => [u.searchParams.get('ts'), Boolean(u.searchParams.get('cursor'))])).toEqual([
      [parent.ts, false],
      [parent.ts, true],
    ]);
    // The watermark is the newest parent; the next round asks for nothing already reconciled.
    const second = await reconcile(c, 'C-THREADS', first.cursor);
    expect(second.items).toEqual([]);
    expect(slack.requests.at(-1)?.searchParams.get('oldest')).toBe(lonely.ts);
  });
});
