import { describe, expect, it } from 'vitest';
import { boundToTenant } from '../../src/guardrails/database/catalog-checks.js';

describe('a policy expression counts as bound to the tenant', () => {
  it.each([
    ['(customer_id = panops_current_customer_id())'],
    ['(panops_current_customer_id() = customer_id)'],
    ["((customer_id = panops_current_customer_id()) AND (kind = 'email'::text))"],
    ["((kind = 'a AND b'::text) AND (customer_id = panops_current_customer_id()))"],
    ['(customer_id = ( SELECT panops_current_customer_id() AS panops_current_customer_id))'],
    [
      "((kind = 'email'::text) AND (( SELECT panops_current_customer_id() AS panops_current_customer_id) = customer_id))",
    ],
  ])('when a top-level AND term is customer_id = the tenant: %s', (expression) => {
    expect(boundToTenant(expression)).toBe(true);
  });

  it.each([
    ['true'],
    [null],
    ['((customer_id = panops_current_customer_id()) OR true)'],
    ['((customer_id = panops_current_customer_id()) OR (panops_current_customer_id() IS NULL))'],
    ['(connector_id = panops_current_customer_id())'],
    ['(customer_id IS NOT NULL)'],
    // The raw setting: a session-level value would open every later transaction.
    ["(customer_id = (NULLIF(current_setting('app.current_customer_id'::text, true), ''::text))::uuid)"],
    ['(customer_id = ( SELECT panops_current_customer_id() AS panops_current_customer_id LIMIT 1 OFFSET 0) OR true)'],
    [
      "(customer_id = COALESCE((NULLIF(current_setting('app.current_customer_id'::text, true), ''::text))::uuid, customer_id))",
    ],
  ])('not when the tenant equality can be widened, is missing or is on another column: %s', (expression) => {
    expect(boundToTenant(expression)).toBe(false);
  });
});
