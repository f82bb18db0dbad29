import { Stack } from 'aws-cdk-lib';
import { CfnCostCategory } from 'aws-cdk-lib/aws-ce';
import type { CfnAccount } from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import type { Blueprint } from '../../config/index.js';
import { AWS_LIMITS, dedicatedCustomers, pooledCustomers, TAG_KEYS } from '../../config/index.js';

export const COST_CATEGORY_NAME = 'PanOpsCustomer';
/** Cost that belongs to no single customer (shared compute, the management and Control Tower accounts). */
export const SHARED_COST_VALUE = 'panops-shared';

export interface CostAllocationProps {
  readonly blueprint: Blueprint;
  /** Accounts this stack is creating, by customer slug (their ids exist only at deploy). */
  readonly pendingAccounts: ReadonlyMap<string, CfnAccount>;
}

/**
 * Consolidated billing split per customer: a Cost Category whose value is the
 * customer's slug. A dedicated customer's cost is its whole linked account; a
 * pooled customer's is whatever carries its `panops:customer` tag in the
 * shared accounts (that tag must be activated as a cost allocation tag in the
 * Billing console, which CloudFormation cannot do).
 */
export class CostAllocation extends Construct {
  /** The (first) cost category; absent while the organization has no customer (a category needs a rule). */
  readonly category: CfnCostCategory | undefined;
  /**
   * Every cost category: a category holds at most 500 rules (one per customer), so
   * larger organizations get `PanOpsCustomer`, `PanOpsCustomer-2`, ... in slug order.
   */
  readonly categories: readonly CfnCostCategory[];

  constructor(scope: Construct, id: string, props: CostAllocationProps) {
    super(scope, id);
    const rules = [
      ...dedicatedCustomers(props.blueprint).flatMap((customer) => {
        const accountId = customer.accountId ?? props.pendingAccounts.get(customer.slug)?.attrAccountId;
        return accountId
          ? [{ Value: customer.slug, Rule: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [accountId] } } }]
          : [];
      }),
      ...pooledCustomers(props.blueprint).map((customer) => ({
        Value: customer.slug,
        Rule: { Tags: { Key: TAG_KEYS.customerSlug, Values: [customer.slug], MatchOptions: ['EQUALS'] } },
      })),
    ];
    const size = AWS_LIMITS.costCategoryRules;
    const chunks = Array.from({ length: Math.ceil(rules.length / size) }, (_, i) =>
      rules.slice(i * size, (i + 1) * size),
    );
    // The first keeps its original id and name, so an organization that grows past 500 customers only adds categories.
    this.categories = chunks.map(
      (chunk, i) =>
        new CfnCostCategory(this, i === 0 ? 'Category' : `Category${i + 1}`, {
          name: i === 0 ? COST_CATEGORY_NAME : `${COST_CATEGORY_NAME}-${i + 1}`,
          ruleVersion: 'CostCategoryExpression.v1',
          rules: Stack.of(this).toJsonString(chunk),
          defaultValue: SHARED_COST_VALUE,
        }),
    );
    this.category = this.categories[0];
  }
}
