import type { Blueprint } from '../../src/config/index.js';
import { validateBlueprint } from '../../src/config/index.js';
import { dedicatedCustomer, organization, pooledCustomer } from '../config/fixtures.js';

/** A customer whose account is still to be vended: an email and no account id. */
export const pendingCustomer = (n: number) => {
  const { accountId: _, ...customer } = dedicatedCustomer(n);
  return { ...customer, accountEmail: `aws+customer-${n}@panops.example` };
};

/** Builds a validated blueprint in memory (no files): two governed regions, the given customers. */
export const blueprintWith = (customers: readonly Record<string, unknown>[]): Blueprint => {
  const org = organization();
  org.organization.governedRegions = ['us-east-1', 'eu-west-1'];
  return validateBlueprint({
    organization: { file: 'organization.yaml', data: org },
    customers: customers.map((data) => ({ file: `customers/${data.slug}.yaml`, data })),
  });
};

/** The organization most tests use: one customer with an account, one to be vended, one pooled. */
export const exampleBlueprint = (): Blueprint =>
  blueprintWith([
    { ...dedicatedCustomer(1), environment: 'prod', dataClassification: 'restricted' },
    pendingCustomer(2),
    pooledCustomer(3),
  ]);
