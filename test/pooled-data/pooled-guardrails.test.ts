import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/config/index.js';
import { POOLED_DATA } from '../../src/contracts/pooled-data.js';
import { applyGuardrails } from '../../src/guardrails/index.js';
import { PooledDataStack } from '../../src/pooled-data/pooled-data-stack.js';
import {
  acknowledgedFindings,
  openFindings,
  type PluginReport,
  readPluginReports,
} from '../support/validation-report.js';

/** The pooled stack of the example organization under every guardrail check (one synth for the file). */
let reports: PluginReport[];
let resourceCount = 0;

beforeAll(() => {
  const outdir = mkdtempSync(join(tmpdir(), 'pooled-guardrails-'));
  const app = new App({ outdir, builtinCloudFormationValidation: false });
  const blueprint = loadBlueprint('blueprint');
  new PooledDataStack(app, POOLED_DATA.stackName, {
    env: { account: blueprint.sharedCompute.accountId, region: blueprint.organization.homeRegion },
    blueprint,
    // The shared compute network as the app passes it (by reference there; literal ids here).
    sharedComputeNetwork: { vpcId: 'vpc-0a1b2c3d4e5f60718', privateRouteTableIds: ['rtb-0a1', 'rtb-0b2'] },
  });
  applyGuardrails(app);
  const assembly = app.synth();
  reports = readPluginReports(outdir);
  resourceCount = Object.keys(assembly.getStackByName(POOLED_DATA.stackName).template.Resources).length;
});

/** Rule ids accepted in the pooled stack, each with its reason in the code. */
const ACCEPTED = [
  'AwsSolutions::AwsSolutions-IAM5',
  'AwsSolutions::AwsSolutions-L1',
  'AwsSolutions::AwsSolutions-S1',
  'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ',
  'NIST.800.53.R5::NIST.800.53.R5-RDSInBackupPlan',
  'NIST.800.53.R5::NIST.800.53.R5-S3BucketLoggingEnabled',
  'NIST.800.53.R5::NIST.800.53.R5-S3BucketReplicationEnabled',
  'cdk-validator-cfnguard::lambda_inside_vpc_check',
  'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
];

describe('the pooled data stack under the guardrails', () => {
  it('synthesizes with no unacknowledged finding in any pack', () => {
    const packs = reports.map((p) => p.pluginName);
    expect(packs).toEqual(expect.arrayContaining(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']));
    expect(openFindings(reports)).toEqual([]);
  });

  it('acknowledges only listed rules, each with its pack prefix and a written reason', () => {
    const suppressed = acknowledgedFindings(reports);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const violation of suppressed) {
      const id = violation.acknowledgedId ?? '';
      expect(id, violation.ruleName).toContain('::');
      expect(
        ACCEPTED.some((accepted) => id.startsWith(accepted)),
        id,
      ).toBe(true);
      expect((violation.reason ?? '').length, id).toBeGreaterThan(40);
    }
  });

  it('stays under the 500-resource CloudFormation limit', () => {
    expect(resourceCount).toBeGreaterThan(30);
    expect(resourceCount).toBeLessThan(500);
  });
});
