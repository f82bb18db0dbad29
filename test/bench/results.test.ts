import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { figure, slope, summarize } from '../../bench/lib/results.js';
import { sampleTreeMemory, treeRssKib } from '../../bench/lib/tree-memory.js';

describe('benchmark statistics', () => {
  it('takes the middle sample as the median of an odd count and the mean of the two middle ones otherwise', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(summarize([4, 1, 3, 10])).toEqual({ median: 3.5, min: 1, max: 10 });
  });

  it('refuses to summarize no samples', () => {
    expect(() => summarize([])).toThrow('no samples');
  });

  it('gives the exact slope of points on a line, the marginal cost per unit', () => {
    const points = [1, 10, 100, 1000].map((n) => [n, 7 + 0.25 * n] as const);
    expect(slope(points)).toBeCloseTo(0.25, 12);
  });

  it('records the repetitions and conditions of a figure', () => {
    expect(figure('wall', 's', [2, 1], { customers: 10 })).toEqual({
      name: 'wall',
      unit: 's',
      repetitions: 2,
      median: 1.5,
      min: 1,
      max: 2,
      conditions: { customers: 10 },
    });
  });
});

describe('process-tree memory sampling', () => {
  it('counts a child process’s memory in the tree of its parent', async () => {
    const before = treeRssKib(process.pid);
    expect(before).toBeGreaterThan(0);
    // A child that holds 64 MiB of touched memory for a while.
    const child = spawn(
      process.execPath,
      ['-e', 'const b = Buffer.alloc(64 * 2 ** 20, 1); setTimeout(() => b.length, 4000)'],
      {
        stdio: 'ignore',
      },
    );
    const sampler = sampleTreeMemory(process.pid, 50);
    try {
      let own = 0;
      for (let i = 0; i < 60 && own < 64 * 1024; i++) {
        await sleep(50);
        own = treeRssKib(child.pid as number);
      }
      expect(own).toBeGreaterThanOrEqual(64 * 1024);
      await sleep(150);
      // The parent may shrink a little meanwhile (GC); the child's 64 MiB must be in the sum.
      expect(sampler.stop()).toBeGreaterThanOrEqual(before * 0.8 + 64 * 1024);
    } finally {
      sampler.stop();
      child.kill();
    }
  });
});
