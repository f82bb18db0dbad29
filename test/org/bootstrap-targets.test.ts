import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BOOTSTRAP_STACK_SET_NAME } from '../../src/org/accounts/cdk-bootstrap-stack-set.js';
import type { OrganizationStack } from '../../src/org/organization-stack.js';
import { type SynthesizedOrganization, synthesizeOrganization } from '../support/organizations.js';

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
type Json = any;

/** The OU keys from an account's OU up to the root: a StackSet targeting any of them reaches the account. */
const ouChain = (org: OrganizationStack, key: string): string[] => {
  const ou = org.layout.ous.find((candidate) => candidate.key === key);
  return ou ? [key, ...(ou.parent === 'root' ? [] : ouChain(org, ou.parent))] : [];
};

/**
 * For every stack outside the management account: is its account (or, for an
 * account still to be vended, the quarantine OU it is created in) inside an
 * OU the bootstrap StackSet targets, in the stack's region?
 */
const unbootstrapped = (synthesized: SynthesizedOrganization): string[] => {
  const org = synthesized.stacks.organization;
  const orgTemplate = synthesized.templates.find((t) => t.stackName === org.stackName)?.template as Json;
  const stackSet = Object.values(orgTemplate.Resources as Record<string, Json>).find(
    (r) => r.Type === 'AWS::CloudFormation::StackSet' && r.Properties.StackSetName === BOOTSTRAP_STACK_SET_NAME,
  );
  const group = stackSet.Properties.StackInstancesGroup[0];
  const targeted = new Set(
    (group.DeploymentTargets.OrganizationalUnitIds as Json[]).map((id) => id['Fn::GetAtt'][0] as string),
  );
  const management = synthesized.blueprint.organization.managementAccountId;
  return synthesized.stacks.organization.node.root.node
    .findAll()
    .filter((c): c is Stack => Stack.isStack(c) && c.account !== management)
    .flatMap((stack) => {
      const account = org.layout.accounts.find((a) => a.accountId !== undefined && a.accountId === stack.account);
      // A customer still to be vended has no account id: its account is created in quarantine.
      const ouKey = account?.ou ?? 'quarantine';
      const reached = ouChain(org, ouKey).some((key) => targeted.has(org.getLogicalId(org.units.ou(key))));
      const inRegion = (group.Regions as string[]).includes(stack.region);
      return reached && inRegion ? [] : [`${stack.stackName} (account ${stack.account}, OU ${ouKey}, ${stack.region})`];
    });
};

let example: SynthesizedOrganization;
let generated: SynthesizedOrganization;
beforeAll(() => {
  example = synthesizeOrganization('example');
  generated = synthesizeOrganization('twenty-customers');
});

describe('every account that hosts a stack is bootstrapped, trusting the management account', () => {
  it('the example organization: shared compute, pooled data and every customer account', () => {
    expect(unbootstrapped(example)).toEqual([]);
  });

  it('20 customers with the pooled cluster in an account of its own', () => {
    expect(generated.blueprint.pooledData?.accountId).toBe('100000000020');
    expect(unbootstrapped(generated)).toEqual([]);
  });

  it('trusts the management account to deploy and to look up', () => {
    const template = example.templates.find((t) => t.stackName === example.stacks.organization.stackName)?.template;
    const stackSet = Object.values(template?.Resources as Record<string, Json>).find(
      (r) => r.Type === 'AWS::CloudFormation::StackSet',
    );
    const parameters = Object.fromEntries(
      (stackSet.Properties.Parameters as Json[]).map((p) => [p.ParameterKey, p.ParameterValue]),
    );
    expect(parameters.TrustedAccounts).toBe(example.blueprint.organization.managementAccountId);
    expect(parameters.TrustedAccountsForLookup).toBe(example.blueprint.organization.managementAccountId);
  });
});
