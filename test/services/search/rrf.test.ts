import { describe, expect, it } from 'vitest';
import { RRF_K, reciprocalRankFusion } from '../../../src/services/search/rrf.js';

describe('reciprocalRankFusion', () => {
  it('puts an item ranked well in both lists above items ranked first in only one', () => {
    const fused = reciprocalRankFusion([
      ['a', 'both', 'c'],
      ['d', 'both', 'e'],
    ]);
    expect(fused[0]?.id).toBe('both');
    expect(fused[0]?.score).toBeCloseTo(2 / (RRF_K + 2), 10);
    expect(fused[0]?.ranks).toEqual([2, 2]);
  });

  it('records where each item ranked, and counts an id repeated in one list once', () => {
    const fused = reciprocalRankFusion([['x', 'x', 'y'], ['y']]);
    const x = fused.find((f) => f.id === 'x');
    expect(x).toEqual({ id: 'x', score: 1 / (RRF_K + 1), ranks: [1, undefined] });
    expect(fused.map((f) => f.id)).toEqual(['y', 'x']);
  });

  it('keeps a single list in its order, so text-only search ranks as the text side does', () => {
    expect(reciprocalRankFusion([[], ['p', 'q', 'r']]).map((f) => f.id)).toEqual(['p', 'q', 'r']);
  });
});
