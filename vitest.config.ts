import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'policies/**/*.test.ts'],
    // Synth, PGlite initdb and the PostgreSQL concurrency suite need more than the 5 s default.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // The json report feeds the "N passed, N failed" line that .ci/run prints.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    pool: 'forks',
    // The machine has 2 cores; more workers only thrash.
    maxWorkers: 2,
  },
});
