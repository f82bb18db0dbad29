import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One measured figure: a statistic over repetitions, with the conditions it was measured under. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly repetitions: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Scenario parameters (N customers, rows, batch size, ...). */
  readonly conditions?: Readonly<Record<string, string | number | boolean>>;
}

export interface BenchResult {
  readonly benchmark: string;
  readonly description: string;
  readonly figures: readonly Figure[];
  /** Derived numbers and caveats, in words (ratios, slopes, what was out of reach). */
  readonly notes?: readonly string[];
  /** When the benchmark wrote this result (set by `writeBenchResult`). */
  readonly measuredAt?: string;
}

export const BENCH_OUT = 'bench/out';

/** Median, min and max of samples; the spread is max − min. */
export const summarize = (samples: readonly number[]): { median: number; min: number; max: number } => {
  if (samples.length === 0) throw new Error('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
};

export const figure = (
  name: string,
  unit: string,
  samples: readonly number[],
  conditions?: Figure['conditions'],
): Figure => ({
  name,
  unit,
  repetitions: samples.length,
  ...summarize(samples),
  ...(conditions ? { conditions } : {}),
});

/** Least-squares slope of y over x: the marginal cost per unit of x. */
export const slope = (points: ReadonlyArray<readonly [number, number]>): number => {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
};

/** Writes `bench/out/<benchmark>.json`, which `npx projen bench` collects into bench/results.{json,md}. */
export const writeBenchResult = (result: BenchResult): string => {
  mkdirSync(BENCH_OUT, { recursive: true });
  const path = join(BENCH_OUT, `${result.benchmark}.json`);
  const stamped: BenchResult = { ...result, measuredAt: new Date().toISOString() };
  writeFileSync(path, `${JSON.stringify(stamped, null, 2)}\n`);
  return path;
};
