/**
 * One synth of a blueprint folder, in its own process so that its peak memory
 * is its own: `tsx bench/scenarios/synth-once.ts <blueprint-dir> <outdir> [--checks]`.
 *
 * Without `--checks`: the app as `cdk synth` builds it, guardrails off (synth alone).
 * With `--checks`: exactly what `npx projen compliance` does (src/guardrails/cli.ts):
 * synth with every cdk-nag pack, cfn-guard over every template in parallel
 * batches, evaluation, and the report files written.
 * Prints one JSON line with the phase timings and this process's peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { buildOrganization } from '../../src/app.js';
import { loadBlueprint } from '../../src/config/index.js';
import { openResultCache } from '../../src/guardrails/compliance/result-cache.js';
import { checkOrganization } from '../../src/guardrails/compliance/run.js';
import { writeReport } from '../../src/guardrails/report/write.js';

const args = process.argv.slice(2);
const checks = args.includes('--checks');
/** `--cache=DIR`: the result cache of `npx projen compliance` (an incremental run). */
const cacheDir = args.find((a) => a.startsWith('--cache='))?.slice('--cache='.length);
const [dir, outdir] = args.filter((a) => !a.startsWith('--'));
if (!dir || !outdir) throw new Error('usage: synth-once.ts <blueprint-dir> <outdir> [--checks]');

const synthAlone = () => {
  const t0 = performance.now();
  const blueprint = loadBlueprint(dir, dir);
  const t1 = performance.now();
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const stacks = buildOrganization(app, blueprint);
  const t2 = performance.now();
  const assembly = app.synth();
  const t3 = performance.now();
  return {
    customers: blueprint.customers.length,
    stacks: assembly.stacks.length,
    customerStacks: stacks.customers.size,
    phasesMs: { load: t1 - t0, build: t2 - t1, synth: t3 - t2 },
  };
};

/** CPU seconds of this process so far (user + system): far less sensitive than wall time to other load on the machine. */
const cpuS = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const rssMb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
const heapMb = () => Math.round(process.memoryUsage().heapUsed / 2 ** 20);

const synthAndCheck = async () => {
  const phasesMs: Record<string, number> = {};
  /** RSS when each phase ended: where the memory goes. */
  const rssAfterMb: Record<string, number> = {};
  const heapAfterMb: Record<string, number> = {};
  const cpuAtS: Record<string, number> = { start: cpuS() };
  const t0 = performance.now();
  const report = await checkOrganization({
    blueprintDir: dir,
    outdir,
    ...(cacheDir ? { cache: openResultCache(cacheDir) } : {}),
    onPhase: (phase, ms) => {
      phasesMs[phase] = ms;
      rssAfterMb[phase] = rssMb();
      heapAfterMb[phase] = heapMb();
      cpuAtS[phase] = cpuS();
    },
  });
  const reportDir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const t1 = performance.now();
  writeReport(report, reportDir);
  phasesMs.report = performance.now() - t1;
  rssAfterMb.report = rssMb();
  // cfn-guard and the database checks run side by side; what is left is loading the blueprint and building the constructs.
  const parallel = Math.max(phasesMs['cfn-guard'] ?? 0, phasesMs.database ?? 0);
  phasesMs['load+build'] = t1 - t0 - (phasesMs['synth+nag'] ?? 0) - parallel - (phasesMs.evaluate ?? 0);
  rmSync(reportDir, { recursive: true, force: true });
  const s = report.summary;
  return {
    customerStacks: report.stacks.filter((x) => x.kind === 'customer').length,
    stacks: s.stacks,
    rules: s.rules,
    outcome: s.outcome,
    failedFindings: s.failedFindings,
    phasesMs,
    rssAfterMb,
    heapAfterMb,
    cpuAtS,
  };
};

const result = checks ? await synthAndCheck() : synthAlone();
console.log(JSON.stringify({ ...result, cpuS: cpuS(), maxRssKb: process.resourceUsage().maxRSS }));
