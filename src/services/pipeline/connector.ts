import { Context, Effect, Layer, type Option } from 'effect';
import type { RawItem, SkippedItem, UnparsedItem } from './communication.js';
import { BadPayload, type ConnectorError } from './errors.js';
import type { ConnectorJob } from './job.js';

/**
 * What a connector implements. The pipeline owns everything else: cursors,
 * archive, ingest, retries, acknowledgement.
 *
 * A connector syncs one or more *scopes* (a Gmail mailbox, each Microsoft 365
 * mail folder, a Slack channel), each with its own delta cursor. For a scope
 * the runner calls `fetchPage` with the stored cursor (none: start a full sync),
 * stores every item of the page, and only then advances the cursor to
 * `nextCursor` — so a cursor never points past an item that is not stored.
 *
 * The cursor is the connector's own opaque string (a historyId, a deltaLink,
 * JSON): the pipeline never looks inside it.
 */
export interface Page {
  readonly items: readonly RawItem[];
  /** Items still to be normalized, after `items` in page order: ingest parses the ones not stored yet. */
  readonly unparsed?: readonly UnparsedItem[];
  /** Items that can never be normalized: reported and skipped, the round goes on. */
  readonly skipped: readonly SkippedItem[];
  /** The cursor to store once `items` are stored. */
  readonly nextCursor: string;
  /** True when the scope is caught up; false when another page follows at once. */
  readonly done: boolean;
}

export interface Connector {
  /** The job `platform` this connector serves: `gmail`, `m365`, `import`, `slack`, ... */
  readonly platform: string;
  /** The scopes to sync for this job, each with its own cursor. */
  readonly scopes: (job: ConnectorJob) => Effect.Effect<readonly string[], ConnectorError>;
  /**
   * One page of the scope after `cursor` (none: from the beginning — a full
   * sync). Fails with `CursorExpired` when the provider no longer knows the
   * cursor; the runner then calls again with no cursor.
   */
  readonly fetchPage: (
    job: ConnectorJob,
    scope: string,
    cursor: Option.Option<string>,
  ) => Effect.Effect<Page, ConnectorError>;
}

/** The connectors an entry point runs, by platform. Entry points compose it from the connectors they ship. */
export class Connectors extends Context.Service<
  Connectors,
  {
    readonly forPlatform: (platform: string) => Effect.Effect<Connector, BadPayload>;
    readonly platforms: readonly string[];
  }
>()('panops/pipeline/Connectors') {
  /** A registry of connectors, each built by an effect that takes its dependencies (HTTP client, credentials). */
  static readonly layer = <R>(
    makers: ReadonlyArray<Effect.Effect<Connector, never, R>>,
  ): Layer.Layer<Connectors, never, R> =>
    Layer.effect(
      Connectors,
      Effect.gen(function* () {
        const byPlatform = new Map<string, Connector>();
        for (const make of makers) {
          const connector = yield* make;
          byPlatform.set(connector.platform, connector);
        }
        const forPlatform = (platform: string) => {
          const connector = byPlatform.get(platform);
          return connector
            ? Effect.succeed(connector)
            : Effect.fail(
                new BadPayload({
                  subject: 'job',
                  reason: `no connector for platform "${platform}" (known: ${[...byPlatform.keys()].join(', ')})`,
                }),
              );
        };
        return Connectors.of({ forPlatform, platforms: [...byPlatform.keys()] });
      }),
    );
}
