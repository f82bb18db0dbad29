import { Effect, Option } from 'effect';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTeamsConnector } from '../../../../src/services/connectors/teams/connector.js';
import type { Page } from '../../../../src/services/pipeline/connector.js';
import { staticCredentialsLayer } from '../../../../src/services/pipeline/credentials.js';
import type { ConnectorJob } from '../../../../src/services/pipeline/job.js';
import { type FakeChatMessage, startFakeGraph } from './fake-graph.js';

const TOKEN = 'graph-token';
const USER = '8b081ef6-4792-4def-b2c9-c363a1bf41d5';
let graph: Awaited<ReturnType<typeof startFakeGraph>>;
beforeAll(async () => {
  graph = await startFakeGraph(TOKEN);
});
afterAll(() => graph.close());

const chatMessage = (i: number, overrides: Partial<FakeChatMessage> = {}): FakeChatMessage => {
  const at = new Date(Date.UTC(2026, 10, 1, 9, 0, i)).toISOString();
  return {
    id: String(1_616_964_509_000 + i),
    chatId: '19:2da4c29f6d7041eca70b638b43d45437@thread.v2',
    createdDateTime: at,
    lastModifiedDateTime: at,
    lastEditedDateTime: null,
    deletedDateTime: null,
    messageType: 'message',
    replyToId: null,
    from: { user: { id: USER, displayName: 'Robin Kline' } },
    body: { contentType: 'html', content: `<p>Trade ${i} confirmed &amp; booked</p>` },
    ...overrides,
  };
};

const job = (params: Record<string, unknown>, kind: ConnectorJob['kind'] = 'poll'): ConnectorJob => ({
  version: 1,
  jobId: 'teams-job',
  customerId: '8a6e4b2c-1f3d-4e5a-b7c9-0d2e4f6a8b02',
  connectorId: 'teams',
  platform: 'teams',
  kind,
  requestedAt: '2026-11-20T00:00:00Z',
  params,
});

const connector = () =>
  Effect.runSync(
    makeTeamsConnector({ baseUrl: graph.baseUrl, top: 10 }).pipe(Effect.provide(staticCredentialsLayer(TOKEN))),
  );

const round = async (from: Option.Option<string>) => {
  const pages: Page[] = [];
  let cursor = from;
  for (;;) {
    const page = await Effect.runPromise(connector().fetchPage(job({ users: [USER] }), `user:${USER}`, cursor));
    pages.push(page);
    cursor = Option.some(page.nextCursor);
    if (page.done) return { items: pages.flatMap((p) => p.items), cursor, pages: pages.length };
  }
};

describe('Teams connector against a local Graph export API', () => {
  it('pages getAllMessages with the billing model, then resumes from the lastModifiedDateTime watermark', async () => {
    graph.messages.push(...Array.from({ length: 25 }, (_, i) => chatMessage(i)));
    const first = await round(Option.none());
    expect(first.pages).toBe(3);
    expect(first.items).toHaveLength(25);
    expect(first.items[0]?.communication.bodyText).toBe('Trade 0 confirmed & booked');
    expect(graph.requests[0]?.searchParams.get('model')).toBe('A');

    graph.messages.push(chatMessage(30));
    const second = await round(first.cursor);
    const filter = graph.requests.at(-1)?.searchParams.get('$filter');
    const stepBack = new Date(Date.parse(chatMessage(24).lastModifiedDateTime) - 1000).toISOString();
    expect(filter).toBe(`lastModifiedDateTime gt ${stepBack}`);
    // The boundary message is refetched (the watermark steps back a second) and maps to the key already stored.
    expect(second.items.map((i) => i.communication.externalId)).toEqual([
      first.items[24]?.communication.externalId,
      `${chatMessage(30).chatId}:${chatMessage(30).id}`,
    ]);
  });

  it('turns an edit and a deletion into new versions, leaving the original key untouched', async () => {
    const original = chatMessage(40);
    graph.messages.push(original);
    const before = await round(Option.none());
    const originalKey = before.items.find((i) => i.communication.metadata.messageId === original.id)?.communication
      .externalId;
    Object.assign(original, {
      lastModifiedDateTime: '2026-11-02T10:00:00.000Z',
      lastEditedDateTime: '2026-11-02T10:00:00.000Z',
      body: { contentType: 'text', content: 'Trade 40 amended' },
    });
    const edit = (await round(before.cursor)).items.find((i) => i.communication.metadata.messageId === original.id);
    Object.assign(original, {
      lastModifiedDateTime: '2026-11-03T10:00:00.000Z',
      deletedDateTime: '2026-11-03T10:00:00.000Z',
    });
    const deletion = (await round(before.cursor)).items.find((i) => i.communication.metadata.messageId === original.id);
    expect(originalKey).toBe(`${original.chatId}:${original.id}`);
    expect(edit?.communication).toMatchObject({
      bodyText: 'Trade 40 amended',
      metadata: { version: 'edit', versionOf: originalKey },
    });
    expect(deletion?.communication).toMatchObject({
      bodyText: '',
      metadata: { version: 'deletion', versionOf: originalKey },
    });
    expect(new Set([originalKey, edit?.communication.externalId, deletion?.communication.externalId]).size).toBe(3);
  });

  it('maps 429 with Retry-After to RateLimited, 503 to Transient and 401 to AuthExpired', async () => {
    const fetch = () =>
      Effect.runPromise(Effect.result(connector().fetchPage(job({ users: [USER] }), `user:${USER}`, Option.none())));
    graph.faults.push({ status: 429, headers: { 'retry-after': '7' } });
    expect(await fetch()).toMatchObject({ _tag: 'Failure', failure: { _tag: 'RateLimited', retryAfterMs: 7000 } });
    graph.faults.push({ status: 503 });
    expect(await fetch()).toMatchObject({ _tag: 'Failure', failure: { _tag: 'Transient', status: 503 } });
    graph.faults.push({ status: 401 });
    expect(await fetch()).toMatchObject({ _tag: 'Failure', failure: { _tag: 'AuthExpired' } });
  });

  it('fetches the message a change notification names (webhook job)', async () => {
    const m = chatMessage(50);
    graph.messages.push(m);
    const notified = job(
      {
        event: {
          _tag: 'TeamsNotifications',
          notifications: [
            { subscriptionId: 's', changeType: 'created', resource: `chats('${m.chatId}')/messages('${m.id}')` },
          ],
        },
      },
      'webhook',
    );
    const c = connector();
    const scopes = await Effect.runPromise(c.scopes(notified));
    expect(scopes).toHaveLength(1);
    const page = await Effect.runPromise(c.fetchPage(notified, scopes[0] as string, Option.none()));
    expect(page.items.map((i) => i.communication.externalId)).toEqual([`${m.chatId}:${m.id}`]);
  });
});

describe('Teams record fidelity: the archive keeps what Graph sent', () => {
  it('archives each message as the exact bytes of the page (mentions, reactions, attachments, @odata.type kept) with the page as its envelope', async () => {
    const m = chatMessage(60, {
      '@odata.type': '#microsoft.graph.chatMessage',
      body: { contentType: 'html', content: '<div><at id="0">Robin Kline</at> can you confirm?</div>' },
      mentions: [
        {
          id: 0,
          mentionText: 'Robin Kline',
          mentioned: { user: { id: USER, displayName: 'Robin Kline', userIdentityType: 'aadUser' } },
        },
      ],
      reactions: [
        {
          reactionType: 'like',
          createdDateTime: '2026-11-01T09:01:05.000Z',
          user: { user: { id: '3bd2f5e7-5f4c-4e0b-a1c0-1a3b5c7d9e00', userIdentityType: 'aadUser' } },
        },
      ],
      eventDetail: null,
    });
    graph.messages.push(m);
    const { items } = await round(Option.none());
    const item = items.find((i) => i.communication.metadata.messageId === m.id);
    const raw = JSON.parse(new TextDecoder().decode(item?.raw)) as Record<string, unknown>;
    expect(raw.mentions).toEqual(m.mentions);
    expect(raw.reactions).toEqual(m.reactions);
    expect(raw['@odata.type']).toBe('#microsoft.graph.chatMessage');
    expect(raw).toHaveProperty('eventDetail', null);
    // The item's bytes are a verbatim slice of the page Graph sent, and the page travels with it.
    const page = new TextDecoder().decode(item?.envelope?.bytes);
    expect(page).toContain(new TextDecoder().decode(item?.raw));
    expect(item?.communication.bodyText).toBe('Robin Kline can you confirm?');
  });

  it('derives the text of a card-only message from its Adaptive Card', async () => {
    const card = {
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        { type: 'TextBlock', text: 'Trade ticket 4411' },
        { type: 'FactSet', facts: [{ title: 'Notional', value: 'USD 5,000,000' }] },
      ],
    };
    const m = chatMessage(70, {
      body: { contentType: 'html', content: '<attachment id="74d20c7f34aa4a7fb74e2b30004247c5"></attachment>' },
      attachments: [
        {
          id: '74d20c7f34aa4a7fb74e2b30004247c5',
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: JSON.stringify(card),
          name: null,
          thumbnailUrl: null,
        },
      ],
    });
    graph.messages.push(m);
    const { items } = await round(Option.none());
    const item = items.find((i) => i.communication.metadata.messageId === m.id);
    expect(item?.communication.bodyText).toBe('Trade ticket 4411\nNotional: USD 5,000,000');
  });
});
