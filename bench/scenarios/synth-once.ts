/**
 * One synth of a blueprint folder, in its own process so that its peak memory
 * is its own: `tsx bench/scenarios/synth-once.ts <blueprint-dir> <outdir>`.
 * Prints one JSON line with the phase timings.
 */
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { buildOrganization } from '../../src/app.js';
import { loadBlueprint } from '../../src/config/index.js';

const [dir, outdir] = process.argv.slice(2);
if (!dir || !outdir) throw new Error('usage: synth-once.ts <blueprint-dir> <outdir>');
const t0 = performance.now();
const blueprint = loadBlueprint(dir, dir);
const t1 = performance.now();
const app = new App({ outdir, builtinCloudFormationValidation: false });
const stacks = buildOrganization(app, blueprint);
const t2 = performance.now();
const assembly = app.synth();
const t3 = performance.now();
console.log(
  JSON.stringify({
    customers: blueprint.customers.length,
    stacks: assembly.stacks.length,
    customerStacks: stacks.customers.size,
    loadMs: t1 - t0,
    buildMs: t2 - t1,
    synthMs: t3 - t2,
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
