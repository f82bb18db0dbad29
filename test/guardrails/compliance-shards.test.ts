import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeResultCaches, openResultCache } from '../../src/guardrails/compliance/result-cache.js';
import { checkOrganization } from '../../src/guardrails/compliance/run.js';
import { checkOrganizationShard, inShard, parseShard, ShardInvalid } from '../../src/guardrails/compliance/shard.js';

const temp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

describe('--shard k/n', () => {
  it('reads k/n and refuses anything else with a typed error', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '2', '1/2/3']) expect(() => parseShard(bad)).toThrow(ShardInvalid);
  });

  it('splits the templates into disjoint slices that cover all of them, whatever order they come in', () => {
    const files = Array.from({ length: 11 }, (_, i) => `/out/Stack${String(i).padStart(2, '0')}.template.json`);
    const slices = [1, 2, 3].map((index) => inShard([...files].reverse(), { index, count: 3 }));
    expect(slices.flat().sort()).toEqual(files);
    expect(slices.map((s) => s.length)).toEqual([4, 4, 3]);
    expect(inShard(files, { index: 2, count: 3 })).toEqual(slices[1]);
  });

  it('merged shards write the report a single run writes', async () => {
    const outdir = join(temp('shards-'), 'cdk.out');
    const base = { blueprintDir: 'blueprint', outdir, database: false as const };
    const single = await checkOrganization(base);

    const shardDirs = [temp('shard-1-'), temp('shard-2-')];
    const summaries = [];
    for (const [i, dir] of shardDirs.entries())
      summaries.push(
        await checkOrganizationShard({ ...base, cache: openResultCache(dir), shard: { index: i + 1, count: 2 } }),
      );
    expect(summaries.map((s) => s.templates).reduce((a, b) => a + b)).toBe(single.stacks.length);

    const mergedDir = temp('merged-');
    expect(mergeResultCaches(mergedDir, shardDirs)).toBe(single.stacks.length);
    const cache = openResultCache(mergedDir);
    const merged = await checkOrganization({ ...base, cache });
    expect(cache.stats.get('guard')).toEqual({ hits: single.stacks.length, misses: 0 });
    expect(JSON.stringify(merged)).toBe(JSON.stringify(single));
  }, 300_000);
});
