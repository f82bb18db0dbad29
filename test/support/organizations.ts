import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildOrganization, type OrganizationStacks } from '../../src/app.js';
import { type Blueprint, loadBlueprint, validateBlueprint } from '../../src/config/index.js';
import { dedicatedCustomer, organization, pooledCustomer } from '../config/fixtures.js';

/**
 * The organizations every deployability check runs over: the example that
 * ships in `blueprint/`, a generated organization of 20 dedicated customers
 * (plus pooled ones), and the same in transit-gateway mode.
 */
export type OrganizationKind = 'example' | 'twenty-customers' | 'transit-gateway';

export const ORGANIZATION_KINDS: readonly OrganizationKind[] = ['example', 'twenty-customers', 'transit-gateway'];

const generated = (customers: number, network?: Record<string, unknown>): Blueprint => {
  const base = organization();
  base.organization.governedRegions = ['us-east-1', 'us-west-2'];
  const sharedCompute = {
    ...base.sharedCompute,
    ...(network ? { network } : { vpcId: 'vpc-0a1b2c3d4e5f60718' }),
  };
  // The pooled cluster in an account of its own: one more account that hosts a stack.
  const pooledData = { ...base.pooledData, accountId: '100000000020' };
  const data = {
    ...base,
    organization: { ...base.organization, organizationId: 'o-a1b2c3d4e5' },
    sharedCompute,
    pooledData,
  };
  return validateBlueprint({
    organization: { file: 'organization.yaml', data },
    customers: [
      ...Array.from({ length: customers }, (_, i) => dedicatedCustomer(i + 1)),
      pooledCustomer(1),
      pooledCustomer(2),
    ].map((c) => ({ file: `customers/${c.slug}.yaml`, data: c })),
  });
};

export const organizationBlueprint = (kind: OrganizationKind): Blueprint => {
  switch (kind) {
    case 'example':
      return loadBlueprint('blueprint');
    case 'twenty-customers':
      return generated(20);
    case 'transit-gateway':
      return generated(20, { mode: 'transit-gateway', customerRanges: ['10.16.0.0/12'] });
  }
};

/** One synthesized CloudFormation template, as written to the cloud assembly. */
export interface SynthesizedTemplate {
  readonly stackName: string;
  /** Absolute path of the template file in the assembly (what cfn-lint reads). */
  readonly file: string;
  // biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation is untyped JSON
  readonly template: Record<string, any>;
}

export interface SynthesizedOrganization {
  readonly kind: OrganizationKind;
  readonly blueprint: Blueprint;
  readonly stacks: OrganizationStacks;
  readonly templates: readonly SynthesizedTemplate[];
}

/**
 * Builds the organization as `src/main.ts` does (no guardrail plugins: the
 * guardrail tests cover those) and synthesizes it to a fresh folder, so every
 * template of every stack is on disk.
 */
export const synthesizeOrganization = (kind: OrganizationKind): SynthesizedOrganization => {
  const blueprint = organizationBlueprint(kind);
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), `panops-${kind}-`)),
    builtinCloudFormationValidation: false,
  });
  const stacks = buildOrganization(app, blueprint);
  const assembly = app.synth();
  const templates = assembly.stacks.map((stack) => {
    const file = join(assembly.directory, stack.templateFile);
    return { stackName: stack.stackName, file, template: JSON.parse(readFileSync(file, 'utf8')) };
  });
  return { kind, blueprint, stacks, templates };
};
