import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { NodeRuntime, NodeServices } from '@effect/platform-node';
import { Console, Effect, Option } from 'effect';
import { Argument, Command, Flag } from 'effect/cli';
import { type Customer, loadBlueprint } from '../config/index.js';
import { runJob } from '../services/pipeline/runner.js';
import { ensureCustomerRow, type LocalPipeline, openLocalPipeline } from './local-pipeline.js';
import { searchCommunications } from './search.js';

/**
 * `panops`: the product on a laptop, with the embedded layers.
 *
 *   panops ingest --customer acme-capital --import ./mail-export
 *   panops search --customer acme-capital "block trade"
 *
 * Data lives in `.local/` (PGlite, archive files, cursors); `--database-url`
 * points at a migrated PostgreSQL server instead.
 */

const customerFlag = Flag.String('customer').pipe(
  Flag.withDescription('Customer slug or id from the blueprint (blueprint/customers/*.yaml)'),
);
const homeFlag = Flag.String('home').pipe(Flag.withDescription('Local data folder'), Flag.withDefault('.local'));
const blueprintFlag = Flag.String('blueprint').pipe(
  Flag.withDescription('Blueprint folder'),
  Flag.withDefault('blueprint'),
);
const databaseFlag = Flag.String('database-url').pipe(
  Flag.withDescription('A migrated PostgreSQL server (application role) instead of PGlite'),
  Flag.optional,
);

const findCustomer = (blueprintDir: string, wanted: string): Effect.Effect<Customer, Error> =>
  Effect.try({
    try: () => {
      const blueprint = loadBlueprint(resolve(blueprintDir));
      const customer = blueprint.customers.find((c) => c.slug === wanted || c.id === wanted);
      if (!customer) {
        throw new Error(
          `no customer "${wanted}" in ${blueprintDir} (known: ${blueprint.customers.map((c) => c.slug).join(', ')})`,
        );
      }
      return customer;
    },
    catch: (e) => (e instanceof Error ? e : new Error(String(e))),
  });

const withPipeline = <A, E>(
  home: string,
  databaseUrl: Option.Option<string>,
  use: (pipeline: LocalPipeline) => Effect.Effect<A, E>,
) =>
  Effect.acquireUseRelease(
    Effect.promise(() =>
      openLocalPipeline({ home, ...(Option.isSome(databaseUrl) ? { databaseUrl: databaseUrl.value } : {}) }),
    ),
    use,
    (pipeline) => Effect.promise(() => pipeline.close()),
  );

const ingest = Command.make(
  'ingest',
  {
    customer: customerFlag,
    importPath: Flag.String('import').pipe(Flag.withDescription('A folder of .eml files and mbox files, or one file')),
    home: homeFlag,
    blueprint: blueprintFlag,
    databaseUrl: databaseFlag,
  },
  Effect.fn(function* ({ customer: wanted, importPath, home, blueprint, databaseUrl }) {
    const customer = yield* findCustomer(blueprint, wanted);
    yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.gen(function* () {
        yield* Console.log(
          `Importing ${importPath} for ${customer.displayName} (${customer.id}) into ${pipeline.describe}`,
        );
        const started = performance.now();
        const outcome = yield* Effect.promise(() =>
          pipeline.runtime.runPromise(
            ensureCustomerRow(customer).pipe(
              Effect.andThen(
                runJob({
                  version: 1,
                  jobId: `cli-${randomUUID()}`,
                  customerId: customer.id,
                  connectorId: 'archive-import',
                  platform: 'import',
                  kind: 'import',
                  requestedAt: new Date().toISOString(),
                  params: { path: resolve(importPath) },
                }),
              ),
            ),
          ),
        );
        const seconds = (performance.now() - started) / 1000;
        for (const scope of outcome.scopes) {
          for (const skipped of scope.skipped) yield* Console.error(`skipped ${skipped.location}: ${skipped.reason}`);
          yield* Console.log(
            `${scope.stored} stored, ${scope.duplicates} already there, ${scope.skipped.length} skipped, ` +
              `${scope.recordingsQueued} recordings queued, in ${seconds.toFixed(1)} s`,
          );
        }
      }),
    );
  }),
).pipe(Command.withDescription('Import a local mail export (.eml folder, mbox) through the connector pipeline'));

const search = Command.make(
  'search',
  {
    customer: customerFlag,
    query: Argument.String('query').pipe(
      Argument.withDescription('Words to find (web-search syntax: "a phrase", -not, or)'),
    ),
    limit: Flag.Int('limit').pipe(Flag.withDefault(10)),
    home: homeFlag,
    blueprint: blueprintFlag,
    databaseUrl: databaseFlag,
  },
  Effect.fn(function* ({ customer: wanted, query, limit, home, blueprint, databaseUrl }) {
    const customer = yield* findCustomer(blueprint, wanted);
    yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.gen(function* () {
        const hits = yield* Effect.promise(() =>
          pipeline.runtime.runPromise(
            ensureCustomerRow(customer).pipe(Effect.andThen(searchCommunications(customer.id, query, limit))),
          ),
        );
        if (hits.length === 0) yield* Console.log(`No communications of ${customer.slug} match "${query}".`);
        for (const hit of hits) {
          yield* Console.log(
            `${hit.sentAt.toISOString().slice(0, 16)}  ${hit.platform.padEnd(6)} ${hit.sender ?? '-'}  ${hit.subject ?? '(no subject)'}\n    ${hit.snippet.replace(/\s+/g, ' ')}`,
          );
        }
      }),
    );
  }),
).pipe(Command.withDescription("Full-text search over a customer's ingested communications (under RLS, audited)"));

export const panops = Command.make('panops').pipe(
  Command.withDescription('PanOps on a laptop: the connector pipeline with embedded PGlite and files on disk'),
  Command.withSubcommands([ingest, search]),
);

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('panops.ts')) {
  panops.pipe(Command.run({ version: '0.1.0' }), Effect.provide(NodeServices.layer), NodeRuntime.runMain);
}
