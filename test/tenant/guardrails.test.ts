import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerStackName } from '../../src/app.js';
import { dedicatedCustomers, loadBlueprint } from '../../src/config/index.js';
import { applyGuardrails, type NagEvaluationLog } from '../../src/guardrails/index.js';
import { CustomerStack } from '../../src/tenant/customer-stack.js';
import {
  acknowledgedFindings,
  openFindings,
  type PluginReport,
  readPluginReports,
} from '../support/validation-report.js';

/** The example organization's customer stacks under every guardrail check (one synth for the file). */
let reports: PluginReport[];
let outdir: string;
let customerCount = 0;
let nagLog: NagEvaluationLog;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'customer-guardrails-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const blueprint = loadBlueprint('blueprint');
  for (const customer of dedicatedCustomers(blueprint)) {
    customerCount += 1;
    new CustomerStack(app, customerStackName(customer), {
      env: { account: customer.accountId, region: blueprint.organization.homeRegion },
      blueprint,
      customer,
    });
  }
  nagLog = applyGuardrails(app).nagLog;
  // Under vitest a failed validation makes synth throw with the whole report.
  app.synth();
  reports = readPluginReports(outdir);
});

/** Rule ids (without per-resource detail) accepted in customer stacks, each with its reason in the code. */
const ACCEPTED = [
  'AwsSolutions::AwsSolutions-IAM5',
  'AwsSolutions::AwsSolutions-L1',
  'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
  'NIST.800.53.R5::NIST.800.53.R5-RDSInBackupPlan',
  'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled',
  'cdk-validator-cfnguard::lambda_inside_vpc_check',
  'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
];

describe('the example customers under the guardrails', () => {
  it('synthesize with no unacknowledged finding in any pack', () => {
    expect(customerCount).toBeGreaterThanOrEqual(2);
    const packs = reports.map((p) => p.pluginName);
    expect(packs).toEqual(expect.arrayContaining(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
    expect(openFindings(reports)).toEqual([]);
  });

  it('pass the PanOps rules on the resources they cover (the pack reports failures only)', () => {
    const tallies = nagLog.stack('PanOps-Customer-acme-capital').filter((t) => t.pack === 'PanOps');
    expect(tallies.length).toBeGreaterThan(0);
    const customerKey = tallies.find((t) => t.ruleId === 'PanOps-CustomerDataUsesCustomerKey');
    expect(customerKey?.compliant).toBeGreaterThanOrEqual(4);
    for (const tally of tallies) expect(tally.nonCompliant, tally.ruleId).toEqual([]);
  });

  it('accept only the listed findings, each with a written reason that reaches the report', () => {
    const suppressed = acknowledgedFindings(reports);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const finding of suppressed) {
      expect(finding.acknowledgedId, finding.ruleName).toContain('::');
      expect(finding.reason?.length ?? 0, finding.ruleName).toBeGreaterThan(40);
    }
    expect([...new Set(suppressed.map((f) => f.acknowledgedId?.split('[')[0]))].sort()).toEqual([...ACCEPTED].sort());
  });
});

describe('the example customers together', () => {
  it('share one migration hook bundle (esbuild runs once per app, not once per customer)', () => {
    const hookCode = (slug: string) => {
      const template = JSON.parse(readFileSync(join(outdir, `PanOps-Customer-${slug}.template.json`), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: unknown } } }>;
      };
      const fn = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.startsWith('PanOps migration hook'),
      );
      return fn?.Properties.Code?.S3Key;
    };
    expect(hookCode('acme-capital')).toEqual(expect.stringMatching(/^[0-9a-f]{64}\.zip$/));
    expect(hookCode('acme-capital')).toBe(hookCode('borealis-health'));
  });
});
