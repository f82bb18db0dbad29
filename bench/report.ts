/**
 * Collects every `bench/out/*.json` into `bench/results.json` and
 * `bench/results.md`, with the machine's conditions. Run by `npx projen bench`
 * after the benchmarks themselves.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCH_OUT, type BenchResult } from './lib/results.js';

const results = readdirSync(BENCH_OUT)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(BENCH_OUT, f), 'utf8')) as BenchResult);

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};

const generatedAt = process.env.BENCH_DATE ?? new Date().toISOString();
writeFileSync('bench/results.json', `${JSON.stringify({ generatedAt, machine, results }, null, 2)}\n`);

const round = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3));
const conditionsText = (c: Record<string, unknown> | undefined) =>
  c
    ? Object.entries(c)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')
    : '';
const lines = [
  '# Benchmark results',
  '',
  `Generated ${generatedAt} on ${machine.cores} × ${machine.cpu}, ${machine.memoryGiB} GiB, Node ${machine.node} (${machine.platform}).`,
  'Reproduce with `npx projen bench`. Spread is min–max over the repetitions.',
  '',
];
for (const r of results) {
  lines.push(
    `## ${r.benchmark}`,
    '',
    r.description,
    '',
    ...(r.measuredAt ? [`Measured ${r.measuredAt}.`, ''] : []),
    '| figure | median | spread (min–max) | unit | reps | conditions |',
    '|---|---:|---|---|---:|---|',
  );
  for (const f of r.figures) {
    lines.push(
      `| ${f.name} | ${round(f.median)} | ${round(f.min)}–${round(f.max)} | ${f.unit} | ${f.repetitions} | ${conditionsText(f.conditions)} |`,
    );
  }
  if (r.notes?.length) lines.push('', ...r.notes.map((n) => `- ${n}`));
  lines.push('');
}
writeFileSync('bench/results.md', lines.join('\n'));
console.log(`bench/results.json and bench/results.md: ${results.length} benchmarks`);
