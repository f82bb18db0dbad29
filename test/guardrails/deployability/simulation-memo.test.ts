import { describe, expect, it } from 'vitest';
import {
  memoizedSimulator,
  type SimOutcome,
  type SimRequest,
  simulate,
} from '../../../src/guardrails/deployability/simulate.js';

/**
 * The rehearsal's IAM simulations are kept by request between compliance runs: a kept outcome answers only the
 * very request it was computed for, so a changed policy, action, resource or SCP is evaluated afresh.
 */
const readBucket = (actions: string[]): SimRequest => ({
  principal: 'arn:aws:iam::200000000001:role/reader',
  action: 's3:GetObject',
  resource: 'arn:aws:s3:::archive/objects/a',
  resourceAccount: '200000000001',
  context: {},
  identityPolicies: [
    {
      name: 'read',
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] },
    },
  ],
});

const keyOf = async (request: SimRequest) => {
  const probe = memoizedSimulator(new Map());
  await probe.simulate(request);
  return [...probe.used.keys()][0] as string;
};

describe('memoized IAM simulations', () => {
  it('evaluates a request once and records its outcome under the request', async () => {
    const memo = memoizedSimulator(new Map());
    const allowed = await memo.simulate(readBucket(['s3:GetObject']));
    expect(allowed.allowed).toBe(true);
    expect(allowed).toEqual(await simulate(readBucket(['s3:GetObject'])));
    expect(memo.used.size).toBe(1);
    await memo.simulate(readBucket(['s3:GetObject']));
    expect(memo.used.size).toBe(1);
  });

  it('answers a kept request from what was kept, and a changed policy from the simulator', async () => {
    const request = readBucket(['s3:GetObject']);
    // A kept outcome that the simulator would never give: seeing it back proves the memo answered.
    const marked: SimOutcome = { allowed: false, result: 'kept-outcome', denials: [] };
    const memo = memoizedSimulator(new Map([[await keyOf(request), marked]]));
    expect(await memo.simulate(request)).toEqual(marked);

    const narrowed = await memo.simulate(readBucket(['s3:PutObject']));
    expect(narrowed.result).toBe('ImplicitlyDenied');
    expect(narrowed.allowed).toBe(false);
    // Only what this run asked is recorded for the next one.
    expect(memo.used.size).toBe(2);
  });
});
