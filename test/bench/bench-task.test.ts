import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Task {
  readonly steps?: ReadonlyArray<{ readonly exec?: string }>;
}
const tasks = (JSON.parse(readFileSync('.projen/tasks.json', 'utf8')) as { tasks: Record<string, Task> }).tasks;
const benchSteps = (tasks.bench?.steps ?? []).map((s) => s.exec ?? '');

describe('npx projen bench', () => {
  it('runs every bench:* task, synth at scale first, each allowed to fail without stopping the others', () => {
    const benchmarks = Object.keys(tasks).filter((name) => name.startsWith('bench:'));
    expect(benchmarks).toEqual(expect.arrayContaining(['bench:synth', 'bench:rls', 'bench:ingest', 'bench:search']));
    const run = benchSteps.filter((s) => s.startsWith('npx projen bench:'));
    expect(run.map((s) => s.split(' ')[2]).sort()).toEqual([...benchmarks].sort());
    expect(run[0]).toMatch(/^npx projen bench:synth /);
    for (const step of run) expect(step).toMatch(/ \|\| echo /);
  });

  it('starts from an empty bench/out and ends by writing bench/results.json and results.md', () => {
    expect(benchSteps[0]).toBe('rm -rf bench/out');
    expect(benchSteps.at(-1)).toBe('tsx bench/report.ts');
  });
});
