import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { App, type AppProps } from 'aws-cdk-lib';
import { buildOrganization } from '../../app.js';
import { type Blueprint, loadBlueprint } from '../../config/index.js';
import { TIER_ISOLATION } from '../../pooled-data/tier-isolation.js';
import { AcknowledgementIndex, collectAcknowledgements, isBareId, writtenId } from '../acknowledgements.js';
import { GUARDRAILS } from '../catalog/guardrails.js';
import type { Guardrail } from '../catalog/model.js';
import { type DatabaseCheckOptions, skippedDatabaseEvidence } from '../database/run.js';
import { type CfnLintMatch, type WarmCfnLint, warmCfnLint } from '../deployability/cfn-lint.js';
import { rehearseTemplates } from '../deployability/rehearse.js';
import { sdkStepsCheck, sdkStepsInputs } from '../deployability/sdk-steps.js';
import { readProvenance } from '../evidence/provenance.js';
import { readEnabledControls } from '../guard/rule-files.js';
import { applyGuardrails } from '../index.js';
import { assembleReport } from './assemble.js';
import { cachedDatabase, cachedGuard } from './cached-checks.js';
import {
  cachedLint,
  cachedRehearsal,
  lintedFiles,
  type RehearsalTools,
  rehearsalToolVersions,
  startSdkSteps,
} from './cached-rehearsal.js';
import { databaseEvaluations } from './evaluate-database.js';
import { guardEvaluations } from './evaluate-guard.js';
import { nagEvaluations } from './evaluate-nag.js';
import { GuardrailIndex } from './guardrail-index.js';
import { inventory } from './inventory.js';
import type {
  AcknowledgementEntry,
  ComplianceReport,
  Finding,
  RuleResult,
  StackRuleResult,
  StackSummary,
  TierReport,
} from './model.js';
import { NO_RESULT_CACHE, type ResultCache } from './result-cache.js';
import { retentionReport } from './retention.js';
import { addCounts, emptyCounts, resolveRule } from './rule-results.js';

/** CDK context: report validation findings in cdk.out instead of throwing, so the run can write its report. */
const REPORT_INSTEAD_OF_THROWING = { '@aws-cdk/core:failSynthOnValidationErrors': false };

/** An App set up for a compliance run: no CDK-side throwing on findings, no built-in CloudFormation validator. */
export const newComplianceApp = (props: AppProps = {}): App =>
  new App({
    ...props,
    builtinCloudFormationValidation: false,
    context: { ...REPORT_INSTEAD_OF_THROWING, ...props.context },
  });

export interface CheckOptions {
  /** Generation time written in the report; null leaves it out (byte-identical reports). @default null */
  readonly generatedAt?: string | null;
  /** cfn-guard processes at once. @default available parallelism */
  readonly concurrency?: number;
  /** The guardrail catalog. @default GUARDRAILS */
  readonly catalog?: readonly Guardrail[];
  /**
   * The database layer (tenant isolation): the migrations applied to an
   * embedded PostgreSQL and checked, in parallel with cfn-guard. `false`
   * leaves it out (tenant isolation then shows as not evaluated).
   * @default the repository's sql/ with the shared PGlite template cache
   */
  readonly database?: DatabaseCheckOptions | false;
  /**
   * Check results stored by content (src/guardrails/compliance/result-cache.ts):
   * a check whose every input is unchanged is answered from it.
   * @default none: every check runs
   */
  readonly cache?: ResultCache;
  /** Told how long each phase took (synth with cdk-nag, cfn-guard, database, evaluation): for the CLI and benchmarks. */
  readonly onPhase?: (phase: CheckPhase, ms: number) => void;
  /** Told the cloud assembly's folder as soon as synth has written it (the run starts cfn-lint there). */
  readonly onSynthesized?: (outdir: string) => void;
}

export type CheckPhase = 'synth+nag' | 'cfn-guard' | 'database' | 'evaluate';

const require = createRequire(import.meta.url);
const versionOf = (pkg: string): string =>
  (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;

/**
 * Synthesizes the app with every guardrail check and evaluates the
 * results: nag packs during synth, cfn-guard afterwards over cdk.out in
 * parallel batches, acknowledgements applied with CDK's semantics. Call on an app from `newComplianceApp`,
 * with its stacks built and no guardrails applied yet.
 */
export const checkApp = async (app: App, options: CheckOptions = {}): Promise<ComplianceReport> => {
  const phase = (name: CheckPhase, since: number) => options.onPhase?.(name, performance.now() - since);
  let started = performance.now();
  const applied = applyGuardrails(app, { guard: 'deferred' });
  const assembly = app.synth();
  phase('synth+nag', started);
  options.onSynthesized?.(assembly.directory);
  const stacks = inventory(app, assembly);
  const catalog = options.catalog ?? GUARDRAILS;
  const controls = readEnabledControls();
  const guardrails = new GuardrailIndex(catalog, controls, applied.guardRules);
  const acknowledgements = collectAcknowledgements(app);
  const ackIndex = new AcknowledgementIndex(acknowledgements);

  // cfn-guard runs in child processes; the database checks (PGlite, in this
  // process) overlap with them. The guard batches are spawned first.
  const guardStarted = performance.now();
  const cache = options.cache ?? NO_RESULT_CACHE;
  const guardRun = cachedGuard(cache, {
    ruleFiles: applied.guardRules.map((r) => r.path),
    templates: stacks.map((s) => s.templateFile),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  }).finally(() => phase('cfn-guard', guardStarted));
  const databaseStarted = performance.now();
  const databaseRun =
    options.database === false
      ? Promise.resolve(skippedDatabaseEvidence())
      : cachedDatabase(cache, options.database ?? {}).finally(() => phase('database', databaseStarted));
  const [guardResults, database] = await Promise.all([guardRun, databaseRun]);
  started = performance.now();
  const rules: RuleResult[] = [];
  const findings: Finding[] = [];
  for (const { rule, evaluations } of [
    ...nagEvaluations(applied.nagLog, stacks, guardrails),
    ...guardEvaluations(guardResults, stacks, applied.guardRules, guardrails),
  ]) {
    const resolved = resolveRule(rule, evaluations, ackIndex);
    rules.push(resolved.result);
    findings.push(...resolved.findings);
  }
  // Database findings are fixed in the migrations, never acknowledged in CDK code.
  const noAcknowledgements = new AcknowledgementIndex([]);
  for (const { rule, evaluations } of databaseEvaluations(database, guardrails)) {
    const resolved = resolveRule(rule, evaluations, noAcknowledgements);
    rules.push(resolved.result);
    findings.push(...resolved.findings);
  }
  const stackRules = rules.filter((r) => r.layer !== 'database').length;

  const rowsByStack = new Map<string, StackRuleResult[]>();
  for (const rule of rules) {
    for (const row of rule.stacks) {
      const list = rowsByStack.get(row.stack);
      if (list) list.push(row);
      else rowsByStack.set(row.stack, [row]);
    }
  }
  const stackSummaries: StackSummary[] = stacks.map((inv) => {
    const counts = emptyCounts();
    const rows = rowsByStack.get(inv.path) ?? [];
    for (const row of rows) addCounts(counts, row);
    counts.notApplicable += stackRules - rows.length;
    return {
      stack: inv.path,
      account: inv.account,
      region: inv.region,
      kind: inv.customerId ? 'customer' : 'platform',
      ...(inv.customerId ? { customerId: inv.customerId } : {}),
      template: inv.template,
      resources: inv.resourceTypes.size,
      counts,
    };
  });
  const acceptedBy = new Map<string, number>();
  for (const f of findings) {
    if (!f.acknowledgement) continue;
    const key = `${f.acknowledgement.id}|${f.acknowledgement.at}`;
    acceptedBy.set(key, (acceptedBy.get(key) ?? 0) + 1);
  }
  const ackEntries: AcknowledgementEntry[] = acknowledgements.map((ack) => {
    const used = acceptedBy.get(`${ack.id}|${ack.constructPath}`) ?? 0;
    const problem = isBareId(ack.id)
      ? `bare id '${writtenId(ack.id)}': cdk-nag drops the finding from CDK's report; use the prefixed id (<pack>::<rule>)`
      : ack.reason.trim() === ''
        ? 'no reason given'
        : undefined;
    return {
      id: ack.id,
      reason: ack.reason,
      at: ack.constructPath,
      ...(ack.source ? { source: ack.source } : {}),
      findings: used,
      ...(problem ? { problem } : {}),
    };
  });

  const report = assembleReport({
    catalog,
    controls,
    guardRules: applied.guardRules,
    stacks: stackSummaries,
    rules,
    findings,
    acknowledgements: ackEntries,
    database,
    generatedAt: options.generatedAt ?? null,
    tool: {
      name: 'panops-compliance',
      cdkNag: versionOf('cdk-nag'),
      cfnGuardValidator: versionOf('@cdklabs/cdk-validator-cfnguard'),
      cdk: versionOf('aws-cdk-lib'),
    },
  });
  phase('evaluate', started);
  return report;
};

export interface OrganizationRunOptions extends CheckOptions {
  /** The blueprint folder. @default 'blueprint' */
  readonly blueprintDir?: string;
  /** Cloud assembly folder. @default 'cdk.out' */
  readonly outdir?: string;
  /**
   * The deploy rehearsal of the same templates (the report's Deployability
   * section); `sdk` adds the SDK-driven steps against moto_server.
   * @default false (the compliance CLI turns it on)
   */
  readonly rehearsal?: false | { readonly sdk?: boolean };
}

/** Synthesizes the whole organization from the blueprint (no AWS credentials) and checks it. */
export const checkOrganization = async (options: OrganizationRunOptions = {}): Promise<ComplianceReport> => {
  const blueprintDir = options.blueprintDir ?? 'blueprint';
  const { cache } = options;
  // One Python start (~0.1-0.4 s) that the cache keys and the SDK steps wait on: begun before the stacks are built.
  const toolVersions = cache && options.rehearsal ? rehearsalToolVersions() : undefined;
  toolVersions?.catch(() => undefined);
  // cfn-lint's Python imports its rules (~1.5 s) while the stacks are built and synthesized; closed if unused.
  const warmLint = toolVersions ? warmCfnLint('python3') : undefined;
  try {
    return await checkBuiltOrganization(options, blueprintDir, toolVersions, warmLint);
  } finally {
    warmLint?.close();
  }
};

const checkBuiltOrganization = async (
  options: OrganizationRunOptions,
  blueprintDir: string,
  toolVersions: Promise<RehearsalTools> | undefined,
  warmLint: WarmCfnLint | undefined,
): Promise<ComplianceReport> => {
  const { cache } = options;
  const blueprint = loadBlueprint(blueprintDir);
  const app = newComplianceApp({ outdir: options.outdir ?? 'cdk.out' });
  const stacks = buildOrganization(app, blueprint);
  // The SDK steps read the blueprint and the constructed app, not the templates: answered from the cache, or
  // started before synth (moto_server is a process of its own and boots while the stacks synthesize).
  const sdkSteps =
    cache && options.rehearsal && options.rehearsal.sdk
      ? (await startSdkSteps(cache, blueprintDir, sdkStepsInputs(blueprint, app, stacks))).outcome
      : undefined;
  const tools = await toolVersions;
  // cfn-lint (seconds of Python) starts as soon as the templates exist, beside cfn-guard and the database checks.
  let lint: Promise<CfnLintMatch[]> | undefined;
  const report = await checkApp(app, {
    ...options,
    onSynthesized: (dir) => {
      if (!cache || !tools) return;
      lint = cachedLint(cache, lintedFiles(dir), tools.cfnLint, tools.cfnLintInPython3 ? warmLint : undefined);
      lint.catch(() => undefined); // awaited by the rehearsal
    },
  });
  const outdir = options.outdir ?? 'cdk.out';
  const rehearsal = !options.rehearsal
    ? undefined
    : cache
      ? await cachedRehearsal(cache, outdir, {
          blueprintDir,
          sdk: options.rehearsal.sdk ?? false,
          ...(sdkSteps ? { sdkSteps } : {}),
          ...(lint ? { lint } : {}),
          ...(tools ? { tools } : {}),
        })
      : await rehearseTemplates(outdir, {
          blueprintDir,
          ...(options.rehearsal.sdk ? { extraChecks: () => sdkStepsCheck({ blueprintDir }) } : {}),
        });
  return {
    ...report,
    tiers: tierReports(blueprint),
    retention: retentionReport(blueprint, report.stacks),
    provenance: readProvenance(blueprintDir),
    ...(rehearsal ? { deployability: rehearsal } : {}),
  };
};

/** The isolation statement of each tier the organization uses, with its customers. */
const tierReports = (blueprint: Blueprint): TierReport[] =>
  TIER_ISOLATION.map((t) => ({
    tier: t.tier,
    kind: t.kind,
    summary: t.summary,
    layers: t.layers.map((l) => ({ layer: l.layer, control: l.control, evidence: [...l.evidence] })),
    residualChannels: t.residualChannels.map((c) => ({ ...c, evidence: [...c.evidence] })),
    customers: blueprint.customers
      .filter((c) => c.tier === t.tier)
      .map((c) => c.slug)
      .sort(),
  })).filter((t) => t.customers.length > 0);
