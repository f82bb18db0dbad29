import { type CfnResource, Stack } from 'aws-cdk-lib';
import { TAG_KEYS } from '../../contracts/names.js';

/**
 * A customer account's stack is the one tagged with the customer's id
 * (`panops:customer-id`, applied by `buildOrganization`). Rules that only hold
 * inside customer accounts (no internet gateway, the customer's own key) ask this.
 */
export const isInCustomerStack = (node: CfnResource): boolean =>
  Stack.of(node).tags.tagValues()[TAG_KEYS.customerId] !== undefined;

/** The logical id a `Ref` / `Fn::GetAtt` points at, or undefined for anything else (a literal ARN, an alias, an import). */
export const localReference = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') return record.Ref;
  const getAtt = record['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
};
