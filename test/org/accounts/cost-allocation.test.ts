import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { AWS_LIMITS, type Blueprint, type Customer } from '../../../src/config/index.js';
import { COST_CATEGORY_NAME, CostAllocation } from '../../../src/org/accounts/cost-allocation.js';

const customer = (i: number): Customer =>
  ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    slug: `customer-${String(i).padStart(4, '0')}`,
    tier: 'dedicated',
    accountId: String(300000000000 + i),
    file: `customers/customer-${i}.yaml`,
  }) as unknown as Customer;

const categoriesFor = (n: number) => {
  const stack = new Stack(new App(), 'Org');
  const blueprint = { customers: Array.from({ length: n }, (_, i) => customer(i)) } as unknown as Blueprint;
  new CostAllocation(stack, 'CostAllocation', { blueprint, pendingAccounts: new Map() });
  return Object.values(Template.fromStack(stack).findResources('AWS::CE::CostCategory')).map(
    (r) => r.Properties as { Name: string; Rules: string },
  );
};

describe('cost allocation per customer', () => {
  it('keeps one category while the customers fit its rule limit', () => {
    const categories = categoriesFor(AWS_LIMITS.costCategoryRules);
    expect(categories.map((c) => c.Name)).toEqual([COST_CATEGORY_NAME]);
    expect(JSON.parse(categories[0]?.Rules ?? '[]')).toHaveLength(AWS_LIMITS.costCategoryRules);
  });

  it('adds categories of at most 500 rules past the limit, every customer in exactly one', () => {
    const categories = categoriesFor(1001);
    expect(categories.map((c) => c.Name).sort()).toEqual(
      [COST_CATEGORY_NAME, `${COST_CATEGORY_NAME}-2`, `${COST_CATEGORY_NAME}-3`].sort(),
    );
    const values = categories.flatMap((c) => (JSON.parse(c.Rules) as Array<{ Value: string }>).map((r) => r.Value));
    for (const c of categories) expect(JSON.parse(c.Rules).length).toBeLessThanOrEqual(AWS_LIMITS.costCategoryRules);
    expect(values).toHaveLength(1001);
    expect(new Set(values).size).toBe(1001);
  });
});
