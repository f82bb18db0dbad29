import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { applyGuardrails } from '../../src/guardrails/index.js';
import { OrganizationStack } from '../../src/org/organization-stack.js';
import { exampleBlueprint } from './fixtures.js';

describe('organization stack under the guardrails', () => {
  it('passes cdk-nag (AwsSolutions, NIST 800-53 R5, PanOps) and the Guard rules, acknowledging only the Control Tower service roles as AWS defines them and the deploy-time control lookup', () => {
    const blueprint = exampleBlueprint();
    const app = new App({ builtinCloudFormationValidation: false } as never);
    const stack = new OrganizationStack(app, 'PanOps-Organization', {
      env: { account: blueprint.organization.managementAccountId, region: 'us-east-1' },
      blueprint,
    });
    applyGuardrails(app);
    // Throws with the whole report on any unacknowledged finding.
    const assembly = app.synth();
    expect(Template.fromStack(stack).toJSON().Resources).toBeDefined();
    // The report lists failures and acknowledgements: none of the first, exactly these of the second.
    const reportFile = join(assembly.directory, 'validation-report.json');
    const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '{}';
    expect(report).not.toMatch(/"violations":\s*\[\s*\{/);
    const acknowledged = [...report.matchAll(/"ruleName":\s*"([^"]+)"/g)].map((m) => m[1]).sort();
    expect(acknowledged).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations]',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy]',
      'AwsSolutions-IAM5[Resource::*]',
      // The Control Catalog lookup: controlcatalog:ListControls takes no resource.
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/AWSControlTowerExecution]',
      'AwsSolutions-IAM5[Resource::arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*]',
      // The Control Catalog lookup Lambda: deploy-time only, no VPC in the management account.
      'AwsSolutions-L1',
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'NIST.800.53.R5-LambdaDLQ',
      'NIST.800.53.R5-LambdaInsideVPC',
      'lambda_inside_vpc_check',
    ]);
  });
});
