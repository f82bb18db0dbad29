import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Schema } from 'effect';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Blueprint, pooledCustomers, ROLE_NAMES, validateBlueprint } from '../../src/config/index.js';
import { RUNTIME_ENV } from '../../src/contracts/runtime-env.js';
import { DirectoryEntry } from '../../src/services/directory/customer-directory.js';
import { DIRECTORY_SHARDING, directoryEntries, directoryShardOf } from '../../src/shared-compute/directory-plan.js';
import { CustomerDirectoryStack } from '../../src/shared-compute/directory-stack.js';
import { dedicatedCustomer, organization, pooledCustomer } from '../config/fixtures.js';
import {
  type CfnProperties,
  exampleBlueprint,
  propertiesOf,
  resourcesOf,
  type SynthesizedSharedCompute,
  synthSharedCompute,
} from './fixtures.js';

/** The example organization plus `extra` dedicated and pooled customers (ids from the test fixtures). */
const blueprintWith = (extra: { dedicated: number; pooled: number }): Blueprint => {
  const base = organization();
  const file = <T extends { slug: string }>(data: T) => ({ file: `blueprint/customers/${data.slug}.yaml`, data });
  return validateBlueprint({
    organization: { file: 'blueprint/organization.yaml', data: base },
    customers: [
      ...Array.from({ length: extra.dedicated }, (_, i) => file(dedicatedCustomer(i + 1))),
      ...Array.from({ length: extra.pooled }, (_, i) => file(pooledCustomer(i + 1))),
    ],
  });
};

/** Two synths: the example organization, and one with 60 customers (the core's growth is the difference). */
let example: SynthesizedSharedCompute;
let grown: SynthesizedSharedCompute;
let grownBlueprint: Blueprint;

beforeAll(() => {
  example = synthSharedCompute(exampleBlueprint());
  grownBlueprint = blueprintWith({ dedicated: 20, pooled: 40 });
  grown = synthSharedCompute(grownBlueprint);
});

const entriesOf = (synth: SynthesizedSharedCompute) =>
  synth.stacks.directory.flatMap((stack) =>
    propertiesOf(Template.fromStack(stack), 'AWS::SSM::Parameter').map((p: CfnProperties) => ({
      stack: stack.stackName,
      name: p.Name as string,
      value: p.Value as string,
      type: p.Type as string,
    })),
  );

const count = (t: Template) => Object.keys(resourcesOf(t)).length;

describe('the shared compute account’s customer directory', () => {
  it('publishes one entry per reachable customer of the example organization, with its tier, account, region and role', () => {
    const blueprint = exampleBlueprint();
    const published = entriesOf(example);
    const expected = directoryEntries(blueprint);
    // Dedicated customers with an account, and every pooled customer (the example declares the pooled cluster).
    expect(expected.length).toBe(
      blueprint.customers.filter((c) => c.tier === 'pooled' || c.accountId !== undefined).length,
    );
    expect(published.map((p) => p.name).sort()).toEqual(
      expected.map((e) => `/panops/customers/${e.customerId}`).sort(),
    );
    for (const p of published) {
      expect(p.type).toBe('String');
      const entry = Schema.decodeUnknownSync(Schema.fromJsonString(DirectoryEntry))(p.value);
      const customer = blueprint.customers.find((c) => c.id.toLowerCase() === entry.customerId);
      expect(customer?.tier).toBe(entry.tier);
      expect(entry.region).toBe(blueprint.organization.homeRegion);
      if (entry.tier === 'dedicated') {
        expect(entry.accountId).toBe(customer?.accountId);
        expect(entry.dataAccessRoleArn).toBe(`arn:aws:iam::${entry.accountId}:role/${ROLE_NAMES.customerDataAccess}`);
        // Where its rows are while a promotion has not switched its route yet.
        expect(entry.pooled?.dataAccessRoleArn).toMatch(/:role\/panops-pooled-data-access$/);
      } else {
        expect(entry.accountId).toBe(blueprint.pooledData?.accountId ?? blueprint.sharedCompute.accountId);
        expect(entry.dataAccessRoleArn).toBe(`arn:aws:iam::${entry.accountId}:role/panops-pooled-data-access`);
      }
    }
  });

  it('keeps the directory out of the core stack: the core does not grow with customers', () => {
    expect(propertiesOf(example.core, 'AWS::SSM::Parameter')).toEqual([]);
    expect(propertiesOf(grown.core, 'AWS::SSM::Parameter')).toEqual([]);
    // 20 dedicated accounts fit in one data-access managed policy, as the example's do: nothing else may differ.
    expect(count(grown.core)).toBe(count(example.core));
    expect(entriesOf(grown)).toHaveLength(60);
  });

  it('places each customer in the shard its id hashes to, so adding customers never moves an entry between stacks', () => {
    const shardOf = new Map(entriesOf(grown).map((e) => [e.name, e.stack]));
    for (const [name, stack] of shardOf) {
      const id = name.slice('/panops/customers/'.length);
      expect(stack).toBe(`PanOps-SharedCompute-Directory-${directoryShardOf(id)}`);
    }
    // Sequential ids still spread over several shards.
    expect(new Set(shardOf.values()).size).toBeGreaterThan(4);
    const more = synthSharedCompute(blueprintWith({ dedicated: 25, pooled: 40 }));
    const after = new Map(entriesOf(more).map((e) => [e.name, e.stack]));
    for (const [name, stack] of shardOf) expect(after.get(name), name).toBe(stack);
  });

  it('writes at most three entries at once (DependsOn lanes), as SSM throttles PutParameter', () => {
    for (const stack of grown.stacks.directory) {
      const resources = Object.values(Template.fromStack(stack).toJSON().Resources) as { DependsOn?: string[] }[];
      const unchained = resources.filter((r) => !r.DependsOn || r.DependsOn.length === 0);
      expect(unchained.length).toBeLessThanOrEqual(DIRECTORY_SHARDING.concurrentWrites);
    }
  });

  it('refuses a shard past its share of the 500-resource limit, naming the limit', () => {
    const entries = Array.from({ length: DIRECTORY_SHARDING.entriesPerStack + 1 }, (_, i) => ({
      version: 1 as const,
      customerId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      slug: `c-${i}`,
      tier: 'pooled' as const,
      accountId: '100000000010',
      region: 'us-east-1',
      dataAccessRoleArn: 'arn:aws:iam::100000000010:role/panops-pooled-data-access',
    }));
    expect(() => new CustomerDirectoryStack(new App(), 'TooBig', { entries })).toThrow(
      /500 resources per CloudFormation stack/,
    );
    const fine = new CustomerDirectoryStack(new App(), 'Fine', {
      entries: entries.slice(0, DIRECTORY_SHARDING.entriesPerStack),
    });
    expect(fine.directory.parameters).toHaveLength(DIRECTORY_SHARDING.entriesPerStack);
  });

  it('lets the webhook, connector and transcription roles read the entries (GetParameter under /panops/customers/ only), and sets no ARCHIVE_TARGETS', () => {
    const policies = propertiesOf(example.core, 'AWS::IAM::Policy');
    const readers = policies.filter((p) =>
      p.PolicyDocument.Statement.some((s: CfnProperties) => JSON.stringify(s.Action).includes('ssm:')),
    );
    const roleNames = readers.flatMap((p) => p.Roles.map((r: { Ref: string }) => r.Ref)).sort();
    expect(roleNames).toHaveLength(3);
    expect(roleNames.join(' ')).toMatch(/connectorWorker/);
    expect(roleNames.join(' ')).toMatch(/webhookHandler/);
    expect(roleNames.join(' ')).toMatch(/transcriptionWorker/);
    for (const p of readers) {
      const statement = p.PolicyDocument.Statement.find((s: CfnProperties) =>
        JSON.stringify(s.Action).includes('ssm:'),
      );
      expect(statement.Action).toBe('ssm:GetParameter');
      const blueprint = exampleBlueprint();
      expect(statement.Resource).toBe(
        `arn:aws:ssm:${blueprint.organization.homeRegion}:${blueprint.sharedCompute.accountId}:parameter/panops/customers/*`,
      );
    }
    for (const fn of propertiesOf(example.core, 'AWS::Lambda::Function')) {
      const variables = Object.keys(fn.Environment?.Variables ?? {});
      expect(variables).not.toContain('ARCHIVE_TARGETS');
      expect(variables).not.toContain('PANOPS_CUSTOMER_DATABASES');
    }
    expect(RUNTIME_ENV).not.toHaveProperty('archiveTargets');
  });

  it('publishes no entry for pooled customers when the organization has no pooled cluster', () => {
    const base = grownBlueprint;
    const withoutPool: Blueprint = { ...base, pooledData: undefined };
    const entries = directoryEntries(withoutPool);
    expect(entries.every((e) => e.tier === 'dedicated' && e.pooled === undefined)).toBe(true);
    expect(entries).toHaveLength(base.customers.length - pooledCustomers(base).length);
  });
});
