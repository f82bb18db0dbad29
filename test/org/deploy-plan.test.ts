import { App, type Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOrganization, type OrganizationStacks } from '../../src/app.js';
import { type Blueprint, loadBlueprint } from '../../src/config/index.js';
import { type DeployStep, deployPlan } from '../../src/org/deploy-plan.js';

let blueprint: Blueprint;
let stacks: OrganizationStacks;
let steps: readonly DeployStep[];
let skipped: readonly string[];

beforeAll(() => {
  // The example organization: acme-capital has its account, borealis-health is still to be vended.
  blueprint = loadBlueprint('blueprint');
  stacks = buildOrganization(new App({ builtinCloudFormationValidation: false } as never), blueprint);
  ({ steps, skippedCustomers: skipped } = deployPlan(stacks, blueprint, { rootId: 'r-ab12' }));
});

describe('npx projen deploy', () => {
  it('brings a new customer up in the documented order: organization, vend, organization again, shared compute, pooled data, customer stacks, peering routes', () => {
    expect(steps.map((s) => s.id)).toEqual([
      'organization-settings',
      'preflight-organization',
      'organization',
      'vend',
      'organization-recorded',
      'preflight-workloads',
      'shared-compute',
      'pooled-data',
      'customers',
      'peering-routes',
    ]);
    expect(steps.map((s) => s.phase)).toEqual([
      'organization',
      'organization',
      'organization',
      'organization',
      'organization',
      'workloads',
      'workloads',
      'workloads',
      'workloads',
      'workloads',
    ]);
  });

  it('deploys every stack only after every stack it depends on', () => {
    const stepOf = new Map<string, number>();
    steps.forEach((step, index) => {
      for (const stack of step.stacks) if (!stepOf.has(stack)) stepOf.set(stack, index);
    });
    const all: Stack[] = [
      stacks.organization,
      stacks.sharedComputeStacks.core,
      ...stacks.sharedComputeStacks.schedules,
      ...stacks.sharedComputeStacks.peeringRoutes,
      ...stacks.customers.values(),
      ...(stacks.pooledData ? [stacks.pooledData] : []),
    ];
    for (const stack of all) {
      const at = stepOf.get(stack.stackName);
      if (at === undefined) continue; // a customer still to be vended (next test)
      for (const dependency of stack.dependencies) {
        const before = stepOf.get(dependency.stackName);
        expect(before, `${stack.stackName} depends on ${dependency.stackName}`).toBeDefined();
        expect(before as number, `${stack.stackName} after ${dependency.stackName}`).toBeLessThanOrEqual(at);
      }
    }
    // The graph the order rests on: shared compute after the organization, customers after shared compute.
    expect(stacks.sharedComputeStacks.core.dependencies).toContain(stacks.organization);
    expect(stacks.customers.get('acme-capital')?.dependencies).toContain(stacks.sharedComputeStacks.core);
  });

  it('never deploys the stack of a customer whose account has no id yet (it would land in the caller’s account)', () => {
    const customerStep = steps.find((s) => s.id === 'customers');
    expect(customerStep?.stacks).toEqual(['PanOps-Customer-acme-capital']);
    expect(skipped).toEqual(['borealis-health']);
  });

  it('passes the organization root to the org stack and no longer refuses for want of control identifiers', () => {
    const org = steps.find((s) => s.id === 'organization')?.command ?? [];
    expect(org.slice(0, 4)).toEqual(['cdk', 'deploy', 'PanOps-Organization', '--exclusively']);
    expect(org).toContain('PanOps-Organization:OrganizationRootId=r-ab12');
    expect(org.join(' ')).not.toMatch(/requireReviewedControls|pending/i);
  });

  it('vends between the two organization deploys, releasing accounts that waited in Quarantine', () => {
    const at = (id: string) => steps.findIndex((s) => s.id === id);
    expect(steps[at('vend')]?.command).toEqual(['tsx', 'src/org/cli/vend.ts', '--release']);
    expect(at('organization')).toBeLessThan(at('vend'));
    expect(at('vend')).toBeLessThan(at('organization-recorded'));
  });

  it('enables the one-time organization settings, then runs the preflight, before the first stack deploys', () => {
    const [settings, preflight, org] = steps;
    expect(settings?.id).toBe('organization-settings');
    expect(settings?.command).toEqual(['tsx', 'src/org/cli/organization-settings.ts', '--enable']);
    // The dry run shows the exact commands each setting takes (root id from ListRoots).
    expect(settings?.title).toContain('aws cloudformation activate-organizations-access');
    expect(settings?.title).toContain(
      'aws organizations enable-policy-type --root-id r-ab12 --policy-type SERVICE_CONTROL_POLICY',
    );
    // Peering mode (the example): no RAM sharing needed.
    expect(settings?.title).not.toContain('enable-sharing-with-aws-organization');
    expect(preflight?.command).toEqual(['tsx', 'src/org/cli/preflight.ts', '--scope', 'organization']);
    expect(org?.id).toBe('organization');
    // Before any workload stack: the full preflight (every account a stack deploys to).
    const workloads = steps.filter((s) => s.phase === 'workloads');
    expect(workloads[0]?.id).toBe('preflight-workloads');
    expect(workloads[0]?.command).toEqual(['tsx', 'src/org/cli/preflight.ts']);
  });
});
