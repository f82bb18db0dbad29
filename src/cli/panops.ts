import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { NodeServices } from '@effect/platform-node';
import { Console, Effect, type Layer, Option, Schema } from 'effect';
import { Argument, Command, Flag } from 'effect/cli';
import { runEntryPoint } from '../common/cli-runner.js';
import { type Customer, listingParams, loadBlueprint } from '../config/index.js';
import { runJob } from '../services/pipeline/runner.js';
import { archiveHoldings } from '../services/reconcile/archive-holdings.js';
import { listProvider, ReconcileSource, ReconcileSources } from '../services/reconcile/listers.js';
import { formatReport, gapsMetricLine, type ProviderDay, reconcileReport } from '../services/reconcile/reconcile.js';
import { formatRetentionStatus } from '../services/retention/status.js';
import {
  askCommand,
  type CommandInput,
  hasEndpoint,
  indexPendingThen,
  type LocalEndpoints,
  localEndpointsFromEnv,
  reembedCommand,
  searchCommand,
} from '../services/search/commands.js';
import { searchServicesLayer } from '../services/search/local-layer.js';
import { ensureCustomerRow, type LocalPipeline, openLocalPipeline } from './local-pipeline.js';
import { disposeCommand, holdCommand, releaseCommand, retentionStatusCommand } from './retention-commands.js';
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
/** Where every customer command finds its data, its blueprint and its database. */
const localFlags = { home: homeFlag, blueprint: blueprintFlag, databaseUrl: databaseFlag };

/**
 * A command about one blueprint customer: `--customer`, its own flags and
 * arguments, then the {@link localFlags}.
 */
const customerCommand = <const Name extends string, const Own extends Command.Command.Config, E, R>(
  name: Name,
  own: Own,
  handler: (
    input: Command.Command.Config.Infer<{ customer: typeof customerFlag } & Own & typeof localFlags>,
  ) => Effect.Effect<void, E, R>,
  description: string,
) =>
  Command.make(name, { customer: customerFlag, ...own, ...localFlags }, handler).pipe(
    Command.withDescription(description),
  );

const llmUrlFlag = Flag.String('llm-url').pipe(
  Flag.withDescription(
    'OpenAI-compatible server (vLLM, llama.cpp, Ollama /v1) for embeddings and answers; default PANOPS_VLLM_URL',
  ),
  Flag.optional,
);
const embeddingsUrlFlag = Flag.String('embeddings-url').pipe(
  Flag.withDescription('A separate OpenAI-compatible embeddings server; default PANOPS_EMBEDDINGS_URL, else --llm-url'),
  Flag.optional,
);

/** Endpoints from the flags, else the environment. */
const endpointsFrom = (llmUrl: Option.Option<string>, embeddingsUrl: Option.Option<string>): LocalEndpoints => {
  const env = localEndpointsFromEnv();
  return {
    ...env,
    url: Option.getOrUndefined(llmUrl) ?? env.url,
    embeddingsUrl: Option.getOrUndefined(embeddingsUrl) ?? env.embeddingsUrl,
  };
};

const NO_ENDPOINT_NOTE =
  'note: no OpenAI-compatible endpoint configured (--llm-url or PANOPS_VLLM_URL): text search only';

/** Runs one of the search/ask/reembed commands on the local runtime, with the search services added. */
const runSearchServices = (
  pipeline: LocalPipeline,
  customer: Customer,
  effect: Effect.Effect<string, unknown, Layer.Success<ReturnType<typeof searchServicesLayer>>>,
) =>
  Effect.promise(() =>
    pipeline.runtime.runPromise(
      ensureCustomerRow(customer).pipe(Effect.andThen(effect), Effect.provide(searchServicesLayer())),
    ),
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

/** Full-text search without a model (under RLS, audited), one hit a line: when, where, who, subject, snippet. */
const printTextSearch = (pipeline: LocalPipeline, customer: Customer, text: string, limit: number) =>
  Effect.gen(function* () {
    const hits = yield* Effect.promise(() =>
      pipeline.runtime.runPromise(
        ensureCustomerRow(customer).pipe(Effect.andThen(searchCommunications(customer.id, text, limit))),
      ),
    );
    if (hits.length === 0) yield* Console.log(`No communications of ${customer.slug} match "${text}".`);
    for (const hit of hits) {
      yield* Console.log(
        `${hit.sentAt.toISOString().slice(0, 16)}  ${hit.platform.padEnd(6)} ${hit.sender ?? '-'}  ${hit.subject ?? '(no subject)'}\n    ${hit.snippet.replace(/\s+/g, ' ')}`,
      );
    }
  });

const ingest = customerCommand(
  'ingest',
  {
    importPath: Flag.String('import').pipe(Flag.withDescription('A folder of .eml files and mbox files, or one file')),
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
  'Import a local mail export (.eml folder, mbox) through the connector pipeline',
);

const search = customerCommand(
  'search',
  {
    query: Argument.String('query').pipe(
      Argument.withDescription('Words to find (web-search syntax: "a phrase", -not, or)'),
    ),
    limit: Flag.Int('limit').pipe(Flag.withDefault(10)),
    llmUrl: llmUrlFlag,
    embeddingsUrl: embeddingsUrlFlag,
  },
  Effect.fn(function* ({ customer: wanted, query, limit, home, blueprint, databaseUrl, llmUrl, embeddingsUrl }) {
    const customer = yield* findCustomer(blueprint, wanted);
    const endpoints = endpointsFrom(llmUrl, embeddingsUrl);
    yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.gen(function* () {
        if (hasEndpoint(endpoints)) {
          // Hybrid search over chunks (vector + terms), after indexing what was ingested since the last run.
          const input: CommandInput = { customer, actor: `cli:${userInfo().username}`, text: query, limit, endpoints };
          yield* Console.log(
            yield* runSearchServices(pipeline, customer, indexPendingThen(input, searchCommand(input))),
          );
          return;
        }
        yield* Console.log(NO_ENDPOINT_NOTE);
        yield* printTextSearch(pipeline, customer, query, limit);
      }),
    );
  }),
  "Full-text search over a customer's ingested communications (under RLS, audited)",
);

const ask = customerCommand(
  'ask',
  {
    question: Argument.String('question').pipe(Argument.withDescription('A question about the archive')),
    llmUrl: llmUrlFlag,
    embeddingsUrl: embeddingsUrlFlag,
  },
  Effect.fn(function* ({ customer: wanted, question, home, blueprint, databaseUrl, llmUrl, embeddingsUrl }) {
    const customer = yield* findCustomer(blueprint, wanted);
    const endpoints = endpointsFrom(llmUrl, embeddingsUrl);
    yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.gen(function* () {
        if (!hasEndpoint(endpoints) || !endpoints.url) {
          // No model to answer with: say so, and show what text search finds instead.
          yield* Console.log(`${NO_ENDPOINT_NOTE}; no answer generated, text search results instead:`);
          yield* printTextSearch(pipeline, customer, question, 10);
          return;
        }
        const input: CommandInput = { customer, actor: `cli:${userInfo().username}`, text: question, endpoints };
        yield* Console.log(yield* runSearchServices(pipeline, customer, indexPendingThen(input, askCommand(input))));
      }),
    );
  }),
  'Answer a question from the archive with citations (needs --llm-url or PANOPS_VLLM_URL)',
);

const reembed = customerCommand(
  'reembed',
  {
    llmUrl: llmUrlFlag,
    embeddingsUrl: embeddingsUrlFlag,
  },
  Effect.fn(function* ({ customer: wanted, home, blueprint, databaseUrl, llmUrl, embeddingsUrl }) {
    const customer = yield* findCustomer(blueprint, wanted);
    const endpoints = endpointsFrom(llmUrl, embeddingsUrl);
    if (!hasEndpoint(endpoints)) return yield* Effect.fail(new Error('reembed needs --llm-url or --embeddings-url'));
    yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.gen(function* () {
        const input = { customer, actor: `cli:${userInfo().username}`, endpoints };
        yield* Console.log(yield* runSearchServices(pipeline, customer, reembedCommand(input)));
      }),
    );
  }),
  'Re-embed every chunk not embedded with the configured model (after a model change)',
);

/** The connectors to reconcile, from a JSON file; a bad file is refused naming the file and the field. */
const readSources = (path: string) =>
  Effect.try({
    try: () => Schema.decodeUnknownSync(ReconcileSources)(JSON.parse(readFileSync(path, 'utf8'))),
    catch: (e) => new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`),
  });

/** The environment variable the reconcile CLI reads a blueprint connector's token from: `PANOPS_TOKEN_<ID>`. */
export const connectorTokenEnv = (connectorId: string): string =>
  `PANOPS_TOKEN_${connectorId.toUpperCase().replace(/-/g, '_')}`;

/**
 * The connectors to reconcile, from the blueprint: each connector's listing
 * scope (what its scheduled reconcile lists in AWS), its token from
 * {@link connectorTokenEnv}; `only` keeps one connector, `baseUrl` points the
 * listing at a local provider server.
 */
const blueprintSources = (customer: Customer, only: string | undefined, baseUrl: string | undefined) =>
  Effect.try({
    try: () =>
      (customer.connectors ?? [])
        .filter((connector) => only === undefined || connector.id === only)
        .map((connector) =>
          Schema.decodeUnknownSync(ReconcileSource)({
            ...listingParams(connector),
            platform: connector.platform,
            connectorId: connector.id,
            tokenEnv: connectorTokenEnv(connector.id),
            ...(baseUrl ? { baseUrl } : {}),
          }),
        ),
    catch: (e) => new Error(`blueprint connector of ${customer.slug}: ${e instanceof Error ? e.message : String(e)}`),
  }).pipe(
    Effect.filterOrFail(
      (sources) => sources.length > 0,
      () => new Error(`${customer.slug} has no connector${only ? ` ${only}` : ''} to reconcile`),
    ),
  );

const reconcile = customerCommand(
  'reconcile',
  {
    since: Flag.String('since').pipe(
      Flag.withDescription('First UTC day to reconcile (YYYY-MM-DD); default 7 days ago'),
      Flag.optional,
    ),
    sources: Flag.String('sources').pipe(
      Flag.withDescription(
        'JSON file naming the connectors to list (platform, connectorId, tokenEnv, channels/users); default the blueprint’s connectors, each token from PANOPS_TOKEN_<CONNECTOR_ID>',
      ),
      Flag.optional,
    ),
    connector: Flag.String('connector').pipe(
      Flag.withDescription('Reconcile only this blueprint connector (its id)'),
      Flag.optional,
    ),
    baseUrl: Flag.String('provider-base-url').pipe(
      Flag.withDescription('List at this origin instead of the provider’s public API (a local provider server)'),
      Flag.optional,
    ),
    out: Flag.String('out').pipe(
      Flag.withDescription('Where to write the figures (JSON); default <home>/reconcile/<slug>.json'),
      Flag.optional,
    ),
  },
  Effect.fn(function* ({
    customer: wanted,
    since: sinceFlag,
    sources: sourcesPath,
    connector: onlyConnector,
    baseUrl,
    out,
    home,
    blueprint,
    databaseUrl,
  }) {
    const customer = yield* findCustomer(blueprint, wanted);
    const sinceText = Option.getOrUndefined(sinceFlag);
    const since = sinceText ? new Date(`${sinceText}T00:00:00Z`) : new Date(Date.now() - 7 * 86_400_000);
    if (Number.isNaN(since.getTime()))
      return yield* Effect.fail(new Error(`--since: "${sinceText}" is not a date (YYYY-MM-DD)`));
    const until = new Date();
    const connectors = Option.isSome(sourcesPath)
      ? (yield* readSources(sourcesPath.value)).connectors
      : yield* blueprintSources(customer, Option.getOrUndefined(onlyConnector), Option.getOrUndefined(baseUrl));
    const from = Option.getOrElse(sourcesPath, () => 'blueprint');
    const provider: ProviderDay[] = [];
    for (const source of connectors) {
      const token = process.env[source.tokenEnv];
      if (!token)
        return yield* Effect.fail(
          new Error(`${from}: connectors[${source.connectorId}].tokenEnv: ${source.tokenEnv} is not set`),
        );
      provider.push(
        ...(yield* listProvider(source, token, since, until).pipe(
          Effect.mapError(
            (e) => new Error(`listing ${source.platform}/${source.connectorId}: ${e._tag} ${JSON.stringify(e)}`),
          ),
        )),
      );
    }
    const report = yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.promise(() =>
        pipeline.runtime.runPromise(
          ensureCustomerRow(customer).pipe(Effect.andThen(archiveHoldings(customer.id, since))),
        ),
      ).pipe(Effect.map((archive) => reconcileReport(customer, since, provider, archive, until))),
    );
    const outPath = Option.getOrUndefined(out) ?? join(home, 'reconcile', `${customer.slug}.json`);
    mkdirSync(dirname(resolve(outPath)), { recursive: true });
    writeFileSync(outPath, `${JSON.stringify(report, null, 2)}\n`);
    yield* Console.log(formatReport(report));
    // The figure CloudWatch extracts for the ArchiveGaps alarm (embedded metric format).
    yield* Console.log(gapsMetricLine(report));
    yield* Console.log(`figures written to ${outPath}`);
    if (report.totalGaps > 0)
      return yield* Effect.fail(
        new Error(`${report.totalGaps} message(s) listed by the providers are not in the archive`),
      );
  }),
  'Per connector and day, compare what the providers list with what the archive holds; exits non-zero on a gap',
);

const matterFlag = Flag.String('matter').pipe(Flag.withDescription('The legal matter (a name; matters may overlap)'));
const reasonFlag = Flag.String('reason').pipe(Flag.withDescription('Why: written to the audit log with who'));
const idsFlag = Flag.String('ids').pipe(Flag.withDescription('Communication ids, comma-separated'), Flag.optional);
const actorOf = () => `cli:${userInfo().username}`;
const idList = (ids: Option.Option<string>) =>
  Option.map(ids, (text) =>
    text
      .split(',')
      .map((id) => id.trim())
      .filter((id) => id !== ''),
  );

/** Runs `use` on the local pipeline for a blueprint customer (its row ensured first); returns what it returns. */
const withCustomer = <A>(
  wanted: string,
  blueprint: string,
  home: string,
  databaseUrl: Option.Option<string>,
  use: (customer: Customer, pipeline: LocalPipeline) => Effect.Effect<A, unknown>,
) =>
  Effect.gen(function* () {
    const customer = yield* findCustomer(blueprint, wanted);
    return yield* withPipeline(home, databaseUrl, (pipeline) =>
      Effect.andThen(
        Effect.promise(() => pipeline.runtime.runPromise(ensureCustomerRow(customer))),
        use(customer, pipeline),
      ),
    );
  });

/** {@link withCustomer}, printing the report `use` returns. */
const onCustomer = (
  wanted: string,
  blueprint: string,
  home: string,
  databaseUrl: Option.Option<string>,
  use: (customer: Customer, pipeline: LocalPipeline) => Effect.Effect<string, unknown>,
) => Effect.flatMap(withCustomer(wanted, blueprint, home, databaseUrl, use), (report) => Console.log(report));

const hold = customerCommand(
  'hold',
  {
    matter: matterFlag,
    ids: idsFlag,
    query: Flag.String('query').pipe(
      Flag.withDescription('Hold every communication whose subject or text matches (web-search syntax)'),
      Flag.optional,
    ),
    reason: reasonFlag,
  },
  Effect.fn(function* ({ customer: wanted, matter, ids, query, reason, home, blueprint, databaseUrl }) {
    const list = idList(ids);
    if (Option.isSome(list) === Option.isSome(query))
      return yield* Effect.fail(new Error('hold needs exactly one of --ids and --query'));
    yield* onCustomer(wanted, blueprint, home, databaseUrl, (customer, pipeline) =>
      holdCommand(pipeline, home, {
        customerId: customer.id,
        matter,
        ...(Option.isSome(list) ? { ids: list.value } : { query: Option.getOrElse(query, () => '') }),
        actor: actorOf(),
        reason,
      }),
    );
  }),
  'Place a legal hold for a matter on communications (rows, raw objects, attachments, recordings, transcripts); audited',
);

const release = customerCommand(
  'release',
  {
    matter: matterFlag,
    ids: idsFlag,
    reason: reasonFlag,
    ownerDatabaseUrl: Flag.String('owner-database-url').pipe(
      Flag.withDescription('With --database-url: an administrator URL that may SET ROLE to the owner role'),
      Flag.optional,
    ),
    ownerRole: Flag.String('owner-role').pipe(
      Flag.withDescription('The migrations owner role'),
      Flag.withDefault('panops_owner'),
    ),
  },
  Effect.fn(function* ({
    customer: wanted,
    matter,
    ids,
    reason,
    home,
    blueprint,
    databaseUrl,
    ownerDatabaseUrl,
    ownerRole,
  }) {
    if (Option.isSome(databaseUrl) && Option.isNone(ownerDatabaseUrl))
      return yield* Effect.fail(
        new Error(
          'release runs as the owner role: with --database-url, give --owner-database-url (the application role cannot lift a hold)',
        ),
      );
    const list = idList(ids);
    yield* onCustomer(wanted, blueprint, home, databaseUrl, (customer, pipeline) =>
      releaseCommand(
        pipeline,
        home,
        {
          customerId: customer.id,
          matter,
          ...(Option.isSome(list) ? { ids: list.value } : {}),
          actor: actorOf(),
          reason,
        },
        { role: ownerRole, ...(Option.isSome(ownerDatabaseUrl) ? { databaseUrl: ownerDatabaseUrl.value } : {}) },
      ),
    );
  }),
  'Lift a matter’s legal hold (all of it, or --ids); a record stays held while another matter holds it. Owner role only; audited',
);

const dispose = customerCommand(
  'dispose',
  {
    dryRun: Flag.Boolean('dry-run').pipe(
      Flag.withDescription('List what would go; delete nothing'),
      Flag.withDefault(false),
    ),
    batchSize: Flag.Int('batch-size').pipe(Flag.withDefault(500)),
  },
  Effect.fn(function* ({ customer: wanted, dryRun, batchSize, home, blueprint, databaseUrl }) {
    yield* onCustomer(wanted, blueprint, home, databaseUrl, (customer, pipeline) =>
      disposeCommand(pipeline, home, { customerId: customer.id, now: new Date(), actor: actorOf(), dryRun, batchSize }),
    );
  }),
  'Delete communications past retention and held by no matter (children first, batched, audited), then release their objects to the lifecycle',
);

const retentionStatusCmd = customerCommand(
  'retention-status',
  {
    out: Flag.String('out').pipe(
      Flag.withDescription('Where to write the status (JSON); default <home>/retention/<slug>.json'),
      Flag.optional,
    ),
  },
  Effect.fn(function* ({ customer: wanted, out, home, blueprint, databaseUrl }) {
    const status = yield* withCustomer(wanted, blueprint, home, databaseUrl, (customer, pipeline) =>
      retentionStatusCommand(pipeline, customer),
    );
    const outPath = Option.getOrUndefined(out) ?? join(home, 'retention', `${status.customerSlug}.json`);
    mkdirSync(dirname(resolve(outPath)), { recursive: true });
    writeFileSync(outPath, `${JSON.stringify(status, null, 2)}\n`);
    yield* Console.log(formatRetentionStatus(status));
    yield* Console.log(`status written to ${outPath} (npx projen compliance -- --retention ${dirname(outPath)})`);
  }),
  "Read a customer's retention evidence from its database (policy in force, open matters, held counts, last disposition run) and write it for the compliance report's Retention section",
);

export const panops = Command.make('panops').pipe(
  Command.withDescription('PanOps on a laptop: the connector pipeline with embedded PGlite and files on disk'),
  Command.withSubcommands([ingest, search, ask, reembed, reconcile, hold, release, dispose, retentionStatusCmd]),
);

/**
 * The arguments without the `--` projen passes on: `npx projen panops reconcile -- --customer x` runs
 * `panops.ts reconcile -- --customer x`, and after a `--` the parser would take every flag for an operand.
 * Only a `--` before or right after the subcommand is projen's; panops itself takes no operands there.
 */
export const withoutProjenSeparator = (args: readonly string[]): string[] => {
  const at = args.indexOf('--');
  return at === 0 || at === 1 ? [...args.slice(0, at), ...args.slice(at + 1)] : [...args];
};

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('panops.ts')) {
  runEntryPoint(
    Command.runWith(panops, { version: '0.1.0' })(withoutProjenSeparator(process.argv.slice(2))).pipe(
      Effect.provide(NodeServices.layer),
    ),
  );
}
