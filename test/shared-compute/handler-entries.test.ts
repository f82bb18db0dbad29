import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ENTRIES } from '../../src/shared-compute/handler-entries.js';

describe('Lambda handler entries', () => {
  it('takes every handler from the services, not from the infrastructure code', () => {
    for (const entry of Object.values(LAMBDA_ENTRIES)) expect(entry).toMatch(/^src\/services\/.+\.lambda\.ts$/);
  });

  it.each(Object.entries(LAMBDA_ENTRIES))('deploys the %s handler its service exports', (_, entry) => {
    expect(readFileSync(entry, 'utf8')).toMatch(/export const handler\b/);
  });
});
