import { Effect, Option, Schema } from 'effect';
import type { Connector, Page } from '../../pipeline/connector.js';
import { connectorTokens } from '../../pipeline/credentials.js';
import { badJob } from '../../pipeline/errors.js';
import type { ConnectorJob } from '../../pipeline/job.js';
import { firstPageUrl, getMessage, getMessagesPage, type TeamsClientOptions, type TeamsSource } from './client.js';
import { attachTeamsContent } from './content.js';
import { teamsMessageItem } from './messages.js';

/**
 * The watermark cursor of one source: `since` is the largest
 * `lastModifiedDateTime` stored; during a round, `next` is the nextLink to
 * follow and `roundMax` the largest seen so far (it becomes `since` at the end).
 */
const TeamsCursor = Schema.Struct({
  since: Schema.optionalKey(Schema.String),
  next: Schema.optionalKey(Schema.String),
  roundMax: Schema.optionalKey(Schema.String),
});
type TeamsCursor = typeof TeamsCursor.Type;
const decodeCursor = Schema.decodeUnknownOption(Schema.fromJsonString(TeamsCursor));

const later = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined || a >= b ? a : b;

/** Scopes are `user:<id>` (the user's chats) and `team:<id>` (the team's channels), from `params.users` / `params.teams`. */
const sourceOf = (scope: string): TeamsSource | undefined => {
  const [kind, id] = scope.split(':', 2);
  if (!id) return undefined;
  return kind === 'user'
    ? { kind: 'user-chats', userId: id }
    : kind === 'team'
      ? { kind: 'team-channels', teamId: id }
      : undefined;
};

/**
 * The message resources a webhook job names: from the verified Graph
 * notifications the webhook Lambda queued (`params.event`) or from the
 * in-process intake (`params.resources`). Only chat and channel messages.
 */
const notifiedResources = (job: ConnectorJob): string[] => {
  const event = job.params?.event as
    | { notifications?: Array<{ resource?: unknown; lifecycleEvent?: unknown }> }
    | undefined;
  const fromEvent = (event?.notifications ?? []).filter((n) => n.lifecycleEvent === undefined).map((n) => n.resource);
  const fromParams = ((job.params?.resources as Array<{ resource?: unknown }> | undefined) ?? []).map(
    (r) => r.resource,
  );
  return [
    ...new Set([...fromEvent, ...fromParams].filter((r): r is string => typeof r === 'string' && /messages\(/.test(r))),
  ];
};

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/**
 * Microsoft Teams through the Graph export APIs: each user's chats and each
 * team's channels, paged by `@odata.nextLink`, resumed from a
 * `lastModifiedDateTime` watermark; edits and deletions come back as changed
 * messages and become new versions. Change notifications (webhook jobs) only
 * trigger a poll of the sources they name: the export API is the source of truth.
 */
export const makeTeamsConnector = (options: TeamsClientOptions = {}) =>
  Effect.gen(function* () {
    const tokenFor = yield* connectorTokens('teams');
    const baseUrl = options.baseUrl ?? 'https://graph.microsoft.com/v1.0';

    const scopes = (job: ConnectorJob) => {
      if (job.kind === 'webhook') return Effect.succeed(notifiedResources(job).map((r) => `resource:${r}`));
      const list = [
        ...strings(job.params?.users).map((u) => `user:${u}`),
        ...strings(job.params?.teams).map((t) => `team:${t}`),
      ];
      return list.length > 0
        ? Effect.succeed(list)
        : Effect.fail(badJob(job, 'a Teams job needs params.users and/or params.teams'));
    };

    const fetchPage = (job: ConnectorJob, scope: string, stored: Option.Option<string>) =>
      Effect.gen(function* () {
        if (scope.startsWith('resource:')) {
          const token = yield* tokenFor(job);
          const { message, received } = yield* getMessage(`${baseUrl}/${scope.slice(9)}`, token);
          return {
            items: [yield* attachTeamsContent(baseUrl, token, message, teamsMessageItem(message, received.bytes))],
            skipped: [],
            nextCursor: 'fetched',
            done: true,
          } satisfies Page;
        }
        const source = sourceOf(scope);
        if (!source) return yield* badJob(job, `unknown Teams scope ${scope}`);
        const cursor: TeamsCursor = Option.getOrElse(Option.flatMap(stored, decodeCursor), () => ({}));
        const token = yield* tokenFor(job);
        const { page, received, items } = yield* getMessagesPage(
          cursor.next ?? firstPageUrl(options, source, cursor.since),
          token,
        );
        const roundMax = page.value.reduce<string | undefined>(
          (acc, m) => later(acc, m.lastModifiedDateTime ?? m.createdDateTime),
          cursor.roundMax,
        );
        const next = page['@odata.nextLink'];
        const nextCursor: TeamsCursor = next
          ? { ...(cursor.since ? { since: cursor.since } : {}), next, ...(roundMax ? { roundMax } : {}) }
          : { ...(later(cursor.since, roundMax) ? { since: later(cursor.since, roundMax) as string } : {}) };
        const envelope = { bytes: received.bytes, contentType: 'application/json' };
        return {
          items: yield* Effect.forEach(page.value, (m, i) =>
            attachTeamsContent(baseUrl, token, m, teamsMessageItem(m, items[i]?.bytes ?? new Uint8Array(), envelope)),
          ),
          skipped: [],
          nextCursor: JSON.stringify(nextCursor),
          done: next === undefined,
        } satisfies Page;
      });

    return { platform: 'teams', scopes, fetchPage } satisfies Connector;
  });
