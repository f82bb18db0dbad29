import type { IConstruct } from 'constructs';

/** One memo per construct tree, dropped with its App: nothing outlives the App that made it. */
const memos = new WeakMap<IConstruct, Map<string, unknown>>();

/**
 * The value `make` returns, made once for the App (the construct tree's root)
 * that `scope` belongs to and reused by every stack and construct of that App:
 * expensive synth inputs (a Lambda bundle, an image's build context, the
 * migration files) are made once per App, not once per customer stack. A new
 * App makes them afresh, so tests and tools that build several Apps never see
 * another App's state.
 */
export const oncePerApp = <T>(scope: IConstruct, key: string, make: () => T): T => {
  const root = scope.node.root;
  let memo = memos.get(root);
  if (!memo) {
    memo = new Map();
    memos.set(root, memo);
  }
  if (memo.has(key)) return memo.get(key) as T;
  const value = make();
  memo.set(key, value);
  return value;
};
