import { describe, expect, it } from 'vitest';
import { BlueprintInvalid, loadBlueprint } from '../../src/config/index.js';
import { dedicatedCustomer, organization, writeBlueprint } from './fixtures.js';

const refusal = (dir: string): BlueprintInvalid => {
  try {
    loadBlueprint(dir, dir);
  } catch (error) {
    if (error instanceof BlueprintInvalid) return error;
    throw error;
  }
  throw new Error('expected the blueprint to be refused');
};

describe('loading the blueprint folder', () => {
  it('loads the example organization that ships in the repository', () => {
    const bp = loadBlueprint('blueprint');
    expect(bp.customers.map((c) => [c.slug, c.tier])).toEqual([
      ['acme-capital', 'dedicated'],
      ['borealis-health', 'dedicated'],
      ['cobalt-advisors', 'pooled'],
    ]);
    expect(bp.customers[0]?.file).toBe('blueprint/customers/acme-capital.yaml');
  });

  it('reports invalid YAML with the file, line and column', () => {
    const dir = writeBlueprint(organization(), { 'customer-1.yaml': 'id: [unclosed\nslug: x\n' });
    const [problem] = refusal(dir).problems;
    expect(problem).toMatchObject({ file: 'customers/customer-1.yaml', field: '(file)' });
    expect(problem?.rule).toMatch(/^invalid YAML at line \d+, column \d+/);
  });

  it('reports a missing organization file', () => {
    const dir = writeBlueprint('', {});
    const error = refusal(dir);
    expect(error.problems[0]).toMatchObject({ file: 'organization.yaml', field: '(file)' });
  });

  it('reports YAML problems and schema problems of other files together', () => {
    const dir = writeBlueprint(organization(), {
      'broken.yaml': 'a: b: c',
      'customer-2.yaml': { ...dedicatedCustomer(2), whisperModel: 'tiny' },
    });
    const files = refusal(dir).problems.map((p) => `${p.file}#${p.field}`);
    expect(files).toEqual(['customers/broken.yaml#(file)', 'customers/customer-2.yaml#whisperModel']);
  });

  it('reads an unquoted 12-digit account id as a number and refuses it with a hint', () => {
    const dir = writeBlueprint(organization(), {
      'customer-1.yaml': `${Object.entries({ ...dedicatedCustomer(1), accountId: undefined })
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join('\n')}\naccountId: 200000000001\n`,
    });
    expect(refusal(dir).problems[0]).toMatchObject({
      field: 'accountId',
      value: 200000000001,
      rule: 'Expected a string, got the number 200000000001 (quote it in YAML)',
    });
  });
});
