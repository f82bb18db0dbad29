import { Effect, Exit } from 'effect';
import { describe, expect, it } from 'vitest';
import {
  AuthExpired,
  BadPayload,
  CursorConflict,
  CursorExpired,
  RateLimited,
  Transient,
} from '../../../src/services/pipeline/errors.js';
import { type ConnectorJob, decodeJob, encodeJob } from '../../../src/services/pipeline/job.js';
import { policyFor, redeliveryDelayMs, retrySchedule } from '../../../src/services/pipeline/policy.js';
import { FAST_SETTINGS } from './support/harness.js';

const valid: ConnectorJob = {
  version: 1,
  jobId: 'sched-1',
  customerId: '3f0c2a4e-8d1b-4c6a-9e57-2b1d8f6a9c01',
  connectorId: 'm365-mail',
  platform: 'm365',
  kind: 'poll',
  requestedAt: '2025-01-06T10:00:00Z',
  params: { mailbox: 'trader@acme.example' },
};

const decode = (body: string) => Effect.runSyncExit(decodeJob(body, 'msg-1'));

describe('connector job schema', () => {
  it('round-trips a valid job through its message body', () => {
    const exit = decode(encodeJob(valid));
    expect(exit).toEqual(Exit.succeed(valid));
  });

  it.each([
    ['not JSON', '{"version":1,'],
    ['a customer id that is not a UUID', JSON.stringify({ ...valid, customerId: 'acme' })],
    ['an unknown kind', JSON.stringify({ ...valid, kind: 'delete-everything' })],
    ['a missing connector id', JSON.stringify({ ...valid, connectorId: undefined })],
    ['a future version', JSON.stringify({ ...valid, version: 2 })],
  ])('refuses %s as a bad payload naming the message, never a crash', (_, body) => {
    const exit = decode(body);
    expect(Exit.isFailure(exit)).toBe(true);
    if (Exit.isFailure(exit)) {
      const error = exit.cause.reasons[0];
      expect(error && 'error' in error ? error.error : undefined).toBeInstanceOf(BadPayload);
      expect(JSON.stringify(exit)).toContain('msg-1');
    }
  });
});

describe('error policies', () => {
  it('gives each failure type exactly one policy', () => {
    expect(policyFor(new RateLimited({ platform: 'm365', retryAfterMs: 7000, detail: '' }))).toEqual({
      _tag: 'RetryAfter',
      delayMs: 7000,
    });
    expect(policyFor(new Transient({ source: 'gmail', detail: '503' }))._tag).toBe('Backoff');
    expect(policyFor(new CursorExpired({ platform: 'gmail', scope: 'me', detail: '' }))._tag).toBe('Resync');
    expect(policyFor(new AuthExpired({ platform: 'gmail', detail: '' }))._tag).toBe('Reauthorize');
    expect(policyFor(new BadPayload({ subject: 'job', reason: 'no customer', location: 'msg-9' }))).toEqual({
      _tag: 'DeadLetter',
      reason: 'job: no customer (msg-9)',
    });
    expect(policyFor(new CursorConflict({ key: 'k', expectedVersion: 1 }))._tag).toBe('Yield');
  });

  it('redelivery waits Retry-After for a rate limit and a bounded, growing backoff otherwise', () => {
    const settings = { ...FAST_SETTINGS, backoffBaseMs: 1000, backoffMaxMs: 8000 };
    expect(redeliveryDelayMs(settings, new RateLimited({ platform: 'x', retryAfterMs: 42_000, detail: '' }), 1)).toBe(
      42_000,
    );
    const transient = new Transient({ source: 'x', detail: '' });
    for (const [receive, max] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
      [10, 8000],
    ] as const) {
      const delay = redeliveryDelayMs(settings, transient, receive);
      expect(delay).toBeGreaterThanOrEqual(max / 2);
      expect(delay).toBeLessThanOrEqual(max);
    }
  });

  it('retries transient failures a bounded number of times and never retries a bad payload', async () => {
    let calls = 0;
    const failing = (error: Transient | BadPayload) =>
      Effect.suspend(() => {
        calls += 1;
        return Effect.fail(error);
      }).pipe(Effect.retry(retrySchedule(FAST_SETTINGS)));
    await Effect.runPromiseExit(failing(new Transient({ source: 'x', detail: '' })));
    expect(calls).toBe(FAST_SETTINGS.maxRetries + 1);
    calls = 0;
    await Effect.runPromiseExit(failing(new BadPayload({ subject: 'item', reason: 'garbage' })));
    expect(calls).toBe(1);
  });
});
