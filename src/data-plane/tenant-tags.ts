import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { type DedicatedCustomer, TAG_KEYS } from '../config/index.js';

/** Environment tag of a customer whose file does not say. */
export const DEFAULT_ENVIRONMENT = 'prod';
/** Data classification of a customer whose file does not say: archived communications are confidential at least. */
export const DEFAULT_DATA_CLASSIFICATION = 'confidential';

/** The tags every resource of a customer account carries (cost allocation, ABAC, the compliance report). */
export const customerTags = (customer: DedicatedCustomer): Record<string, string> => ({
  [TAG_KEYS.customerId]: customer.id,
  [TAG_KEYS.customerSlug]: customer.slug,
  [TAG_KEYS.environment]: customer.environment ?? DEFAULT_ENVIRONMENT,
  [TAG_KEYS.dataClassification]: customer.dataClassification ?? DEFAULT_DATA_CLASSIFICATION,
});

/** Applies the customer's tags to a scope and everything taggable below it. */
export const tagCustomerScope = (scope: IConstruct, customer: DedicatedCustomer): void => {
  for (const [key, value] of Object.entries(customerTags(customer))) Tags.of(scope).add(key, value);
};

/** Tags a construct with what it is for (`panops:role`). */
export const tagRole = (scope: IConstruct, role: string): void => {
  Tags.of(scope).add(TAG_KEYS.role, role);
};
