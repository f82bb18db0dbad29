import { beforeAll, describe, expect, it } from 'vitest';
import { iamTextViolations } from '../support/iam-text.js';
import { ORGANIZATION_KINDS, type SynthesizedOrganization, synthesizeOrganization } from '../support/organizations.js';

let organizations: SynthesizedOrganization[];
beforeAll(() => {
  organizations = ORGANIZATION_KINDS.map(synthesizeOrganization);
});

describe('IAM text fields are in the character set IAM accepts (CreateRole refuses anything else)', () => {
  it('every role and policy name, path and description of every synthesized template matches IAM’s documented pattern', () => {
    const violations = organizations.flatMap((org) =>
      org.templates.flatMap((t) =>
        iamTextViolations(t.template).map(
          (v) => `${org.kind} ${t.stackName} ${v.logicalId} ${v.field}: ${JSON.stringify(v.value)} (${v.source})`,
        ),
      ),
    );
    expect(violations).toEqual([]);
  });

  it('checks what it claims: roles with descriptions exist in the templates it reads', () => {
    const described = organizations.flatMap((org) =>
      org.templates.flatMap((t) =>
        Object.values(t.template.Resources ?? {}).filter(
          (r) =>
            (r as { Type: string }).Type === 'AWS::IAM::Role' &&
            (r as { Properties?: { Description?: unknown } }).Properties?.Description,
        ),
      ),
    );
    expect(described.length).toBeGreaterThan(3);
  });

  it('refuses a typographic apostrophe, a name over 64 characters and a space in a policy name', () => {
    const violations = iamTextViolations({
      Resources: {
        Quote: { Type: 'AWS::IAM::Role', Properties: { Description: 'this account’s role' } },
        Long: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'r'.repeat(65) } },
        Inline: { Type: 'AWS::IAM::Role', Properties: { Policies: [{ PolicyName: 'has space' }] } },
        Fine: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'ok-name', Description: "this account's role, café" } },
        Joined: { Type: 'AWS::IAM::Policy', Properties: { PolicyName: { 'Fn::Join': ['', [{ Ref: 'X' }, 'ok']] } } },
      },
    });
    expect(violations.map((v) => `${v.logicalId} ${v.field}`)).toEqual([
      'Quote AWS::IAM::Role.Description',
      'Long AWS::IAM::Role.RoleName',
      'Inline AWS::IAM::Role.Policies[].PolicyName',
    ]);
  });
});
