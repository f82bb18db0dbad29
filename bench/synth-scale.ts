/**
 * Synth at scale: N = 1, 10, 100, 1,000 generated customers; wall time and
 * peak memory of synth alone, each run in a fresh process.
 * `npx tsx bench/synth-scale.ts [N ...]`
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateBlueprint, writeBlueprintDir } from './generate-blueprint.js';
import { type Figure, figure, slope, writeBenchResult } from './lib/results.js';

const sizes = process.argv.slice(2).map(Number);
const SIZES = sizes.length > 0 ? sizes : [1, 10, 100, 1000];
/** Fewer repetitions for the big sizes: each 1,000-customer run takes minutes. */
const repetitionsFor = (n: number) => (n >= 1000 ? 1 : n >= 100 ? 2 : 3);

interface Run {
  wallMs: number;
  maxRssKb: number;
  synthMs: number;
  stacks: number;
}

const runOnce = (dir: string): Run => {
  const outdir = mkdtempSync(join(tmpdir(), 'synth-out-'));
  const start = performance.now();
  const stdout = execFileSync('tsx', ['bench/scenarios/synth-once.ts', dir, outdir], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, CDK_VALIDATION: 'false' },
  });
  const wallMs = performance.now() - start;
  rmSync(outdir, { recursive: true, force: true });
  const line = stdout.trim().split('\n').pop() ?? '{}';
  const parsed = JSON.parse(line) as { synthMs: number; maxRssKb: number; stacks: number };
  return { wallMs, maxRssKb: parsed.maxRssKb, synthMs: parsed.synthMs, stacks: parsed.stacks };
};

const figures: Figure[] = [];
const wallPoints: Array<[number, number]> = [];
for (const n of SIZES) {
  const dir = writeBlueprintDir(mkdtempSync(join(tmpdir(), `bp-${n}-`)), generateBlueprint(n));
  const runs = Array.from({ length: repetitionsFor(n) }, () => runOnce(dir));
  rmSync(dir, { recursive: true, force: true });
  const conditions = { customers: n, stacks: runs[0]?.stacks ?? 0 };
  const wall = figure(
    `synth wall time, N=${n}`,
    's',
    runs.map((r) => r.wallMs / 1000),
    conditions,
  );
  figures.push(wall);
  figures.push(
    figure(
      `synth peak RSS, N=${n}`,
      'MB',
      runs.map((r) => r.maxRssKb / 1024),
      conditions,
    ),
  );
  wallPoints.push([n, wall.median]);
  console.error(`N=${n}: ${wall.median.toFixed(2)} s (${runs.length} runs)`);
}
writeBenchResult({
  benchmark: 'synth-scale',
  description: 'Synthesize the whole organization (no checks) for N generated customers, one fresh process per run',
  figures,
  notes: [
    `marginal synth cost per customer: ${(slope(wallPoints) * 1000).toFixed(1)} ms (least-squares slope over N = ${SIZES.join(', ')})`,
  ],
});
