import { describe, expect, it } from 'vitest';
import { WORKER_CONCURRENCY_ENV, workerConcurrency } from '../../../src/services/queue/worker-settings.js';
import { configErrorOf, readConfig } from '../../support/config.js';

describe('the connector worker’s concurrency (PANOPS_WORKER_CONCURRENCY)', () => {
  it('is 4 when unset, and the number given otherwise', () => {
    expect(readConfig(workerConcurrency, {})).toBe(4);
    expect(readConfig(workerConcurrency, { [WORKER_CONCURRENCY_ENV]: '12' })).toBe(12);
  });

  it('refuses zero, negative, fractional and non-numeric values, naming the variable', () => {
    for (const value of ['0', '-2', '1.5', 'many'])
      expect(configErrorOf(workerConcurrency, { [WORKER_CONCURRENCY_ENV]: value })).toContain(
        'PANOPS_WORKER_CONCURRENCY',
      );
  });
});
