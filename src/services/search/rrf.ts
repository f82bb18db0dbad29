/**
 * Reciprocal rank fusion (Cormack et al., 2009): each ranked list gives an
 * item 1 / (k + rank); items are ordered by the sum. It needs no score
 * calibration between a cosine distance and a term score, which is why it
 * fuses vector and text retrieval here.
 */
export const RRF_K = 60;

export interface Fused<Id> {
  readonly id: Id;
  readonly score: number;
  /** 1-based rank in each input list where the item appears. */
  readonly ranks: ReadonlyArray<number | undefined>;
}

export const reciprocalRankFusion = <Id>(lists: ReadonlyArray<ReadonlyArray<Id>>, k = RRF_K): Fused<Id>[] => {
  const fused = new Map<Id, { score: number; ranks: (number | undefined)[]; first: number }>();
  let order = 0;
  lists.forEach((list, li) => {
    list.forEach((id, index) => {
      let entry = fused.get(id);
      if (!entry) {
        entry = { score: 0, ranks: lists.map(() => undefined), first: order++ };
        fused.set(id, entry);
      }
      // An id listed twice in one list counts once, at its best rank.
      if (entry.ranks[li] !== undefined) return;
      entry.ranks[li] = index + 1;
      entry.score += 1 / (k + index + 1);
    });
  });
  return [...fused.entries()]
    .sort(([, a], [, b]) => b.score - a.score || a.first - b.first)
    .map(([id, e]) => ({ id, score: e.score, ranks: e.ranks }));
};
