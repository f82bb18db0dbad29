import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildOrganization } from '../../src/app.js';
import { CUSTOMER_DATABASE, loadBlueprint } from '../../src/config/index.js';
import { DIRECTORY_PARAMETERS, locationParameterNames } from '../../src/contracts/directory.js';
import { POOLED_DATA } from '../../src/contracts/pooled-data.js';
import type { PooledDataStack } from '../../src/pooled-data/pooled-data-stack.js';

type Props = Record<string, unknown>;
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

/** One synth for the file: the example organization's pooled stack, built as `src/main.ts` builds it. */
let stack: PooledDataStack;
let resources: Record<string, { Type: string; Properties?: Props }>;

beforeAll(() => {
  const app = new App({ builtinCloudFormationValidation: false });
  const built = buildOrganization(app, loadBlueprint('blueprint')).pooledData;
  if (!built) throw new Error('the example organization declares pooledData but got no pooled stack');
  stack = built;
  resources = Template.fromStack(stack).toJSON().Resources;
});

const parameters = () =>
  new Map(
    Object.values(resources)
      .filter((r) => r.Type === 'AWS::SSM::Parameter')
      .map((r) => [r.Properties?.Name as string, r.Properties?.Value]),
  );

describe('the pooled data stack publishes where the pooled data is', () => {
  it('writes the directory’s parameters under /panops/pooled/: the pooled bucket, key, writer endpoint and IAM login', () => {
    const published = parameters();
    expect([...published.keys()].sort()).toEqual(
      Object.values(locationParameterNames(DIRECTORY_PARAMETERS.pooledRoot)).sort(),
    );
    const logicalId = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);
    expect(published.get('/panops/pooled/archive/bucket')).toEqual({ Ref: logicalId(stack.archive.bucket) });
    expect(published.get('/panops/pooled/archive/kms-key-arn')).toEqual({
      'Fn::GetAtt': [logicalId(stack.key.encryptionKey), 'Arn'],
    });
    expect(published.get('/panops/pooled/database/endpoint')).toEqual({
      'Fn::GetAtt': [logicalId(stack.database.cluster), 'Endpoint.Address'],
    });
    expect(published.get('/panops/pooled/database/user')).toBe(CUSTOMER_DATABASE.iamAppUser);
    expect(published.get('/panops/pooled/database/auth')).toBe('iam');
  });

  it('lets the pooled data-access role read exactly those parameters, in its one permissions policy', () => {
    const roleId = stack.getLogicalId(stack.dataAccess.role.node.defaultChild as never);
    expect(resources[roleId]?.Properties?.RoleName).toBe(POOLED_DATA.dataAccessRole);
    const ssmStatements = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy')
      .flatMap((r) =>
        ((r.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined)?.Statement ?? []).map((s) => ({
          s,
          r,
        })),
      )
      .filter(({ s }) => JSON.stringify(s.Action).includes('ssm:'));
    // The other reader is the webhook's raw event writer: the archive bucket and key, nothing about the database.
    const rawWriterId = stack.getLogicalId(stack.rawEventWriter.role.node.defaultChild as never);
    const [raw, ...moreRaw] = ssmStatements.filter(({ r }) =>
      JSON.stringify(r.Properties?.Roles).includes(rawWriterId),
    );
    expect(moreRaw).toHaveLength(0);
    expect(JSON.stringify(raw?.s.Resource)).not.toMatch(/Locationsdatabase/);
    expect(ssmStatements).toHaveLength(2);
    const { s, r } = ssmStatements.find((x) => x !== raw) as { s: Statement; r: { Properties?: Props } };
    expect(r.Properties?.Roles).toEqual([{ Ref: roleId }]);
    expect(JSON.stringify(s.Resource)).not.toContain('*');
    for (const name of parameters().keys()) expect(JSON.stringify(s.Resource)).toContain(`parameter${name}`);
  });
});
