import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_DATABASE, dedicatedCustomers, loadBlueprint, ROLE_NAMES } from '../../src/config/index.js';
import { DIRECTORY_PARAMETERS, locationParameterNames } from '../../src/contracts/directory.js';
import { CustomerStack } from '../../src/tenant/customer-stack.js';
import { keyLogicalId, ofType } from './requirements.js';

type Props = Record<string, unknown>;
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** One synth for the file: the example organization's first dedicated customer. */
let template: Template;
let stack: CustomerStack;

beforeAll(() => {
  const blueprint = loadBlueprint('blueprint');
  const customer = dedicatedCustomers(blueprint)[0];
  if (!customer) throw new Error('the example blueprint has no dedicated customer');
  const app = new App({ builtinCloudFormationValidation: false });
  stack = new CustomerStack(app, 'PanOps-Customer-locations', {
    env: { account: customer.accountId, region: blueprint.organization.homeRegion },
    blueprint,
    customer,
    migrations: { sources: [{ name: '0000_test.sql', text: 'SELECT 1;' }], fingerprint: 'test-fingerprint' },
  });
  template = Template.fromStack(stack);
});

const parameters = (): Map<string, { id: string; value: unknown }> =>
  new Map(
    ofType(template, 'AWS::SSM::Parameter').map(([id, r]) => [
      (r.Properties as Props).Name as string,
      { id, value: (r.Properties as Props).Value },
    ]),
  );

const logicalIdOf = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

/** Statements of every managed and inline policy attached to a role, by the role's logical id. */
const statementsOfRole = (roleId: string): Statement[] => {
  const managed = ofType(template, 'AWS::IAM::ManagedPolicy')
    .map(([, r]) => r.Properties as Props)
    .filter((p) => JSON.stringify(p.Roles ?? []).includes(`"${roleId}"`));
  const inline = ofType(template, 'AWS::IAM::Policy')
    .map(([, r]) => r.Properties as Props)
    .filter((p) => JSON.stringify(p.Roles ?? []).includes(`"${roleId}"`));
  return [...managed, ...inline].flatMap((p) => (p.PolicyDocument as { Statement: Statement[] }).Statement);
};

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('a customer account publishes where its data is', () => {
  it('writes exactly the parameters the directory reads, under /panops/customer/', () => {
    const names = [...parameters().keys()].filter((n) => n.startsWith(DIRECTORY_PARAMETERS.customerRoot)).sort();
    expect(names).toEqual(Object.values(locationParameterNames(DIRECTORY_PARAMETERS.customerRoot)).sort());
  });

  it('publishes the archive bucket, the customer key, the writer endpoint and the IAM login the stack creates', () => {
    const published = parameters();
    const value = (leaf: string) => published.get(`${DIRECTORY_PARAMETERS.customerRoot}${leaf}`)?.value;
    expect(value('archive/bucket')).toEqual({ Ref: logicalIdOf(stack.archive.bucket) });
    expect(value('archive/kms-key-arn')).toEqual({ 'Fn::GetAtt': [keyLogicalId(template), 'Arn'] });
    expect(value('database/endpoint')).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.database.cluster), 'Endpoint.Address'],
    });
    expect(value('database/port')).toBe(String(CUSTOMER_DATABASE.port));
    expect(value('database/name')).toBe(CUSTOMER_DATABASE.name);
    expect(value('database/user')).toBe(CUSTOMER_DATABASE.iamAppUser);
    expect(value('database/auth')).toBe('iam');
    for (const [, r] of ofType(template, 'AWS::SSM::Parameter'))
      expect((r.Properties as Props).Type, 'plain String parameters: none of them is a secret').toBe('String');
  });

  it('lets the data-access role read exactly those parameters (by ARN, no wildcard), and nothing else in SSM', () => {
    const roleId = logicalIdOf(stack.dataAccess.role);
    const role = template.toJSON().Resources[roleId].Properties as Props;
    expect(role.RoleName).toBe(ROLE_NAMES.customerDataAccess);
    const ssmStatements = statementsOfRole(roleId).filter((s) => actionsOf(s).some((a) => a.startsWith('ssm:')));
    expect(ssmStatements).toHaveLength(1);
    const [statement] = ssmStatements as [Statement];
    expect(statement.Effect).toBe('Allow');
    expect([...actionsOf(statement)].sort()).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    const resources = JSON.stringify(statement.Resource);
    expect(resources).not.toContain('*');
    const published = parameters();
    expect((statement.Resource as unknown[]).length).toBe(published.size);
    for (const name of published.keys()) expect(resources).toContain(name.replace(/^\//, ''));
  });

  it('grants no other role of the account a read of the locations (the webhook’s raw writer: the archive bucket and key only)', () => {
    const dataAccessId = logicalIdOf(stack.dataAccess.role);
    const rawWriterId = logicalIdOf(stack.rawEventWriter.role);
    const others = [...ofType(template, 'AWS::IAM::ManagedPolicy'), ...ofType(template, 'AWS::IAM::Policy')].filter(
      ([, r]) => JSON.stringify((r.Properties as Props).PolicyDocument).includes('ssm:GetParameter'),
    );
    expect(others).toHaveLength(2);
    for (const [, r] of others) {
      const roles = (r.Properties as Props).Roles;
      expect([[{ Ref: dataAccessId }], [{ Ref: rawWriterId }]]).toContainEqual(roles);
      if (JSON.stringify(roles).includes(rawWriterId))
        expect(JSON.stringify((r.Properties as Props).PolicyDocument)).not.toMatch(/Locationsdatabase/);
    }
    expect(Stack.of(stack.locations).node.path).toBe(stack.node.path);
  });
});
