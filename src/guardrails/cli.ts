/**
 * `npx projen compliance`: synthesizes the whole organization from the
 * blueprint (no AWS credentials), runs every guardrail check, writes
 * compliance-report/ and exits 1 on any unacknowledged finding.
 *
 * Environment: PANOPS_BLUEPRINT_DIR (default blueprint), CDK_OUTDIR (default
 * cdk.out), COMPLIANCE_REPORT_DIR (default compliance-report),
 * COMPLIANCE_TIMESTAMP=0 to leave the generation time out (byte-identical reports).
 *
 * Database layer (tenant isolation, on sql/ applied to PGlite, in parallel with
 * cfn-guard): `--skip-database` or COMPLIANCE_SKIP_DATABASE=1 leaves it out for
 * fast local runs (the guardrail then shows as not evaluated);
 * `--fresh-database` or COMPLIANCE_FRESH_DATABASE=1 ignores the migrated-template
 * cache and applies every migration to a new database (what a cold CI run does).
 *
 * Deployability (the deploy rehearsal of the same templates, src/guardrails/deployability):
 * on by default, with the SDK steps when moto_server is installed;
 * `--skip-rehearsal` or COMPLIANCE_SKIP_REHEARSAL=1 leaves it out. Its
 * findings are reported in the Deployability section and SARIF;
 * `npx projen rehearse` is the gate that fails on them.
 *
 * Incremental: every check's result is stored in .compliance-cache/ (or
 * COMPLIANCE_CACHE_DIR) under the SHA-256 of everything that could change
 * it — the template, the rule files, the tool versions, sql/, the blueprint,
 * the project's code (src/guardrails/compliance/result-cache.ts) — and an
 * unchanged check is answered from there. Acknowledgements are applied after
 * the cache, on every run. `--no-cache` or COMPLIANCE_NO_CACHE=1 runs every
 * check (and stores the results).
 *
 * Past one machine: `--shard k/n` checks every n-th template from the k-th
 * (shard 1 also the database layer and the SDK steps) into the cache and
 * writes no report; `npx projen compliance:merge -- <shard cache folder>...`
 * copies the shards' results into the cache and writes the report, the one
 * a single run writes (src/guardrails/compliance/shard.ts).
 *
 * Evidence: compliance-report/SHA256SUMS lists every report file's SHA-256;
 * `--sign-with-kms <key-arn>` signs it with an asymmetric KMS key
 * (SHA256SUMS.sig.json; credentials with kms:Sign, kms:DescribeKey and
 * kms:GetPublicKey on the key). `npx projen compliance:verify` checks a folder.
 *
 * Live evidence: `--live` (management-account credentials; member accounts
 * are read through AWSControlTowerExecution, or `--live-role <name>`, with a
 * ReadOnlyAccess session policy) puts beside each synth-time promise what the
 * deployed organization shows: CloudFormation template and drift per stack,
 * Object Lock of WORM buckets, CloudTrail logging and log file validation, KMS
 * rotation, Control Tower controls and their status per OU, and the AWS Config
 * compliance of the Control Tower detective controls per account. A
 * disagreement, or a check that cannot be read, fails the run.
 *
 * Completeness: `--reconcile <dir>` or COMPLIANCE_RECONCILE_DIR adds the
 * reconcile figures in that folder (what `panops reconcile` writes) as the
 * Completeness section: per customer, connector and day, provider beside archive.
 *
 * Retention: every organization run has a Retention section (per customer: the
 * blueprint's policy, Object Lock, effective retention, the archive lifecycle as
 * synthesized). `--retention <dir>` or COMPLIANCE_RETENTION_DIR adds what each
 * customer's database says (what `panops retention-status` writes: open matters,
 * held counts, the last disposition run); without it those columns read "not supplied".
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { BlueprintInvalid } from '../config/index.js';
import { exitOnExpected, option } from './command-line.js';
import type { ComplianceReport } from './compliance/model.js';
import { DEFAULT_RESULT_CACHE_DIR, mergeResultCaches, openResultCache } from './compliance/result-cache.js';
import { checkOrganization, type OrganizationRunOptions } from './compliance/run.js';
import { checkOrganizationShard, parseShard, ShardInvalid } from './compliance/shard.js';
import { motoAvailable } from './deployability/moto-server.js';
import { organizationAccess } from './evidence/live/accounts.js';
import { withLiveEvidence } from './evidence/live/join.js';
import { collectOrganizationEvidence } from './evidence/live/organization.js';
import { ReconcileFiguresInvalid, readReconcileEvidence } from './evidence/reconcile.js';
import { RetentionStatusInvalid, readRetentionEvidence } from './evidence/retention.js';
import { SignatureError, signManifest } from './evidence/signing.js';
import { summaryLines, writeReport } from './report/write.js';

const reportDir = process.env.COMPLIANCE_REPORT_DIR ?? 'compliance-report';
const flag = (name: string, env: string): boolean => process.argv.includes(name) || process.env[env] === '1';
const signingKey = option('--sign-with-kms');
if (process.argv.includes('--sign-with-kms') && (!signingKey || signingKey.startsWith('--'))) {
  console.error('--sign-with-kms needs a KMS key ARN (an asymmetric SIGN_VERIFY key)');
  process.exit(2);
}
const liveRole = option('--live-role');
/** A folder of reconcile figures (`panops reconcile` writes <home>/reconcile/<slug>.json): the Completeness section. */
const reconcileDir = option('--reconcile') ?? process.env.COMPLIANCE_RECONCILE_DIR;
/** A folder of retention status files (`panops retention-status` writes <home>/retention/<slug>.json): the Retention section's database side. */
const retentionDir = option('--retention') ?? process.env.COMPLIANCE_RETENTION_DIR;

/** Reads the deployed organization and puts it beside the synth report. */
async function addLiveEvidence(report: ComplianceReport): Promise<ComplianceReport> {
  const access = organizationAccess(liveRole ? { roleName: liveRole } : {});
  try {
    const live = await collectOrganizationEvidence({
      report,
      blueprintDir: process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint',
      access,
      collectedAt: process.env.COMPLIANCE_TIMESTAMP === '0' ? null : new Date().toISOString(),
      warn: (line) => console.error(line),
    });
    return withLiveEvidence(report, live);
  } finally {
    access.destroy();
  }
}

const database = flag('--skip-database', 'COMPLIANCE_SKIP_DATABASE')
  ? false
  : flag('--fresh-database', 'COMPLIANCE_FRESH_DATABASE')
    ? { templateCache: false as const }
    : {};
const cacheDir = process.env.COMPLIANCE_CACHE_DIR ?? DEFAULT_RESULT_CACHE_DIR;
const cache = openResultCache(cacheDir, { read: !flag('--no-cache', 'COMPLIANCE_NO_CACHE') });
const shardText = option('--shard');
/** `--merge <dir>...`: the shards' cache folders (every argument after it that is not an option). */
const mergeFrom = process.argv.includes('--merge')
  ? process.argv.slice(process.argv.indexOf('--merge') + 1).filter((a) => !a.startsWith('--'))
  : undefined;
try {
  const started = Date.now();
  const phases: string[] = [];
  const runOptions: OrganizationRunOptions = {
    blueprintDir: process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint',
    outdir: process.env.CDK_OUTDIR ?? 'cdk.out',
    generatedAt: process.env.COMPLIANCE_TIMESTAMP === '0' ? null : new Date().toISOString(),
    database,
    cache,
    rehearsal: flag('--skip-rehearsal', 'COMPLIANCE_SKIP_REHEARSAL') ? false : { sdk: motoAvailable() },
    onPhase: (phase, ms) => phases.push(`${phase} ${(ms / 1000).toFixed(1)} s`),
  };
  if (shardText !== undefined) {
    const done = await checkOrganizationShard({ ...runOptions, cache, shard: parseShard(shardText) });
    console.log(
      `Shard ${done.shard.index}/${done.shard.count}: ${done.templates} of ${done.of} templates checked into ${cacheDir} (${((Date.now() - started) / 1000).toFixed(1)} s); npx projen compliance:merge -- <every shard's cache folder> writes the report`,
    );
    process.exit(0);
  }
  if (mergeFrom) {
    if (mergeFrom.length === 0) throw new ShardInvalid("(compliance:merge needs the shards' cache folders)");
    console.log(
      `Merged ${mergeResultCaches(cacheDir, mergeFrom)} results of ${mergeFrom.length} shard(s) into ${cacheDir}`,
    );
  }
  const synthReport = await checkOrganization(runOptions);
  const withLive = flag('--live', 'COMPLIANCE_LIVE') ? await addLiveEvidence(synthReport) : synthReport;
  const reconciled = reconcileDir ? { ...withLive, reconcile: readReconcileEvidence(reconcileDir) } : withLive;
  // Read after the cached checks, on every run: the status files are not an input of any cached result.
  const report =
    retentionDir && reconciled.retention
      ? { ...reconciled, retention: { ...reconciled.retention, status: readRetentionEvidence(retentionDir) } }
      : reconciled;
  writeReport(report, reportDir);
  for (const line of summaryLines(report, reportDir)) console.log(line);
  if (signingKey) {
    const signature = await signManifest(reportDir, signingKey, new KMSClient({}));
    console.log(
      `Signed ${reportDir}/SHA256SUMS with ${signature.keyArn} (${signature.signingAlgorithm}): ${reportDir}/SHA256SUMS.sig.json`,
    );
  }
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s: blueprint and stacks, then ${phases.join(', ')})`);
  const reused = [...cache.stats].map(([layer, s]) => `${layer} ${s.hits}/${s.hits + s.misses}`);
  if (reused.length > 0) console.log(`Results reused from the cache: ${reused.join(', ')}`);
  process.exitCode = report.summary.outcome === 'pass' ? 0 : 1;
} catch (error) {
  exitOnExpected(
    error,
    [BlueprintInvalid, SignatureError, ShardInvalid, ReconcileFiguresInvalid, RetentionStatusInvalid],
    1,
  );
}
