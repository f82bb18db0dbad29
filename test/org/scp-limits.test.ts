import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { AWS_LIMITS } from '../../src/config/index.js';
import { customerShards, planOrganization } from '../../src/org/layout.js';
import { OrganizationStack } from '../../src/org/organization-stack.js';
import {
  loadScpDocuments,
  renderPlaceholders,
  type ScpDocument,
  scpCharacters,
} from '../../src/org/scp/scp-documents.js';
import { scpLimitViolations, scpsPerTarget } from '../../src/org/scp/scp-limits.js';
import { dedicatedCustomer } from '../config/fixtures.js';
import { blueprintWith, exampleBlueprint } from './fixtures.js';

const blueprint = exampleBlueprint();
const documents = loadScpDocuments(blueprint);
const layout = planOrganization(blueprint);

/** Synthesizes the org stack with the given SCPs; returns the error message synth fails with. */
const synthError = (scpDocuments: readonly ScpDocument[], scpLimits = {}): string => {
  const app = new App({ builtinCloudFormationValidation: false } as never);
  new OrganizationStack(app, 'Org', {
    env: { account: blueprint.organization.managementAccountId, region: 'us-east-1' },
    blueprint,
    scpDocuments,
    scpLimits,
  });
  try {
    app.synth();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('synth succeeded');
};

const padded = (name: string, characters: number): ScpDocument => ({
  file: `${name}.json`,
  name: `panops-${name}`,
  description: 'oversized on purpose',
  targets: ['customers'],
  content: {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Padding', Effect: 'Deny', Action: 'x'.repeat(characters), Resource: '*' }],
  },
});

describe('SCP size and count limits', () => {
  it('keeps every PanOps SCP under the characters-per-SCP limit', () => {
    for (const doc of documents)
      expect(scpCharacters(doc.content), doc.file).toBeLessThanOrEqual(AWS_LIMITS.scpMaxCharacters);
    expect(scpLimitViolations(layout, documents)).toEqual([]);
  });

  it('counts FullAWSAccess and the Control Tower SCP on every OU next to its own', () => {
    const counts = new Map(scpsPerTarget(layout, documents).map((c) => [c.target, c]));
    expect(counts.get('Root')?.awsManaged).toEqual(['FullAWSAccess']);
    expect(counts.get('Root')?.ours).toHaveLength(4);
    const customers = counts.get('OU Customers');
    expect(customers?.awsManaged).toHaveLength(2);
    expect(customers?.ours).toEqual(['panops-deny-internet-gateways', 'panops-protect-customer-kms-keys']);
  });

  it('fails synth on an SCP over 5,120 characters, naming the limit and the policy', () => {
    const message = synthError([...documents, padded('too-big', 5_200)]);
    // The count still fits (Customers: 5 of 5), so the size is the only reason.
    expect(message).not.toMatch(/SCPs per target/);
    expect(message).toMatch(
      /SCP panops-too-big \(policies\/scp\/too-big\.json\) is 5,\d{3} characters: over the limit of 5,120 characters per SCP \(AWS_LIMITS\.scpMaxCharacters\)/,
    );
  });

  it('fails synth when a target would carry more than 5 SCPs, counting those AWS and Control Tower attach', () => {
    // Customers has FullAWSAccess + Control Tower + 2 of ours: two more make 6.
    const message = synthError([...documents, padded('extra-1', 10), padded('extra-2', 10)]);
    expect(message).toMatch(/OU Customers would have 6 SCPs attached \(FullAWSAccess, aws-guardrails/);
    expect(message).toMatch(/over the limit of 5 SCPs per target \(AWS_LIMITS\.scpsPerTarget\)/);
  });

  it('accepts the same set once the quotas are raised (both limits are settings)', () => {
    const oversized = [...documents, padded('extra-1', 6_000), padded('extra-2', 10)];
    expect(
      scpLimitViolations(layout, oversized, { scpMaxCharacters: 10_240, scpsPerTarget: 10, controlTowerScpsPerOu: 1 }),
    ).toEqual([]);
  });
});

describe('SCP documents', () => {
  it('fills a whole-string placeholder with a list and an embedded one in place', () => {
    const rendered = renderPlaceholders(
      { regions: '{{governedRegions}}', arn: 'arn:aws:iam::*:role/{{breakGlassRole}}' },
      { governedRegions: ['us-east-1', 'eu-west-1'], breakGlassRole: 'panops-break-glass' },
      'x.json',
    );
    expect(rendered).toEqual({ regions: ['us-east-1', 'eu-west-1'], arn: 'arn:aws:iam::*:role/panops-break-glass' });
  });

  it('refuses an unknown placeholder, naming the file', () => {
    expect(() => renderPlaceholders({ a: '{{nope}}' }, {}, 'deny-x.json')).toThrow(
      'deny-x.json: unknown placeholder {{nope}}',
    );
  });
});

describe('Customers OU shards', () => {
  it('adds a shard each time the accounts-per-OU limit is reached, in slug order', () => {
    const customers = [3, 1, 5, 2, 4].map((n) => dedicatedCustomer(n));
    const bp = blueprintWith(customers);
    const shards = customerShards(bp.customers as never, 2);
    expect(shards.map((s) => s.map((c) => c.slug))).toEqual([
      ['customer-1', 'customer-2'],
      ['customer-3', 'customer-4'],
      ['customer-5'],
    ]);
  });

  it('places recorded accounts in their shard and accounts still to be vended in Quarantine', () => {
    const accounts = new Map(layout.accounts.filter((a) => a.customer).map((a) => [a.customer, a.ou]));
    expect(accounts.get('customer-1')).toBe('customers-1');
    expect(accounts.get('customer-2')).toBe('quarantine');
    expect(layout.customerShard.get('customer-2')).toBe('customers-1');
  });
});
