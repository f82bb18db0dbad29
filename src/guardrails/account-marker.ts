import { Aspects, type IAspect, Lazy, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { TAG_KEYS } from '../contracts/names.js';

/** Template-level `Metadata` key the project's Guard rules read to know a customer account's template. */
export const ACCOUNT_MARKER_KEY = 'PanOpsGuardrails';

/**
 * Writes `Metadata.PanOpsGuardrails = { accountKind: 'customer' | 'platform', customerId? }`
 * into every stack's template, from the stack's `panops:customer-id` tag. A
 * Guard rule sees one template at a time; this tells it whose account it is
 * (resource tags cannot: the organization stack tags customer *accounts*).
 */
class AccountMarker implements IAspect {
  visit(node: IConstruct): void {
    if (!Stack.isStack(node)) return;
    const stack = node;
    stack.templateOptions.metadata = {
      ...stack.templateOptions.metadata,
      [ACCOUNT_MARKER_KEY]: Lazy.any({
        produce: () => {
          const customerId = stack.tags.tagValues()[TAG_KEYS.customerId];
          return customerId ? { accountKind: 'customer', customerId } : { accountKind: 'platform' };
        },
      }),
    };
  }
}

export const markAccountKinds = (scope: IConstruct): void => {
  Aspects.of(scope).add(new AccountMarker());
};
