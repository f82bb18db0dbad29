import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { TAG_KEYS } from '../../src/contracts/names.js';
import { applyGuardrails } from '../../src/guardrails/index.js';

const PUBLIC_ACCESS_RULE = 'cdk-validator-cfnguard::s3_bucket_level_public_access_prohibited_check';

const newApp = () =>
  new App({ outdir: mkdtempSync(join(tmpdir(), 'guardrails-')), builtinCloudFormationValidation: false });

/** Two buckets without block-public-access; only the first one's finding is acknowledged. */
const twoPublicBuckets = (app: App) => {
  const stack = new Stack(app, 'Buckets', { env: { account: '111111111111', region: 'us-east-1' } });
  const acknowledged = new s3.Bucket(stack, 'Acknowledged');
  new s3.Bucket(stack, 'NotAcknowledged');
  Validations.of(acknowledged).acknowledge({ id: PUBLIC_ACCESS_RULE, reason: 'test: accepted on purpose' });
  return stack;
};

interface PluginReport {
  conclusion: string;
  violations: { violatingConstructs: { constructPath: string }[] }[];
  suppressedViolations: { acknowledgedId: string; reason: string; violatingConstructs: { constructPath: string }[] }[];
}

/** The cfn-guard section of CDK's cdk.out/validation-report.json. */
const guardReport = (app: App): PluginReport => {
  const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
  return report.pluginReports.find((r: { pluginName: string }) => r.pluginName === 'cdk-validator-cfnguard');
};

const violatingPaths = (report: PluginReport) =>
  report.violations.flatMap((v) => v.violatingConstructs.map((c) => c.constructPath));

describe('applyGuardrails at synth', () => {
  it('the unwrapped cfn-guard validator lets an unacknowledged finding pass once another is acknowledged (the bug)', () => {
    const app = newApp();
    twoPublicBuckets(app);
    Validations.of(app).addPlugins(new CfnGuardValidator({}));
    expect(() => app.synth()).not.toThrow();
    const guard = guardReport(app);
    expect(guard.conclusion).toBe('success');
    expect(violatingPaths(guard)).toContain('Buckets/NotAcknowledged/Resource');
  });

  it('fails synth on an unacknowledged Guard finding even when another Guard finding is acknowledged', () => {
    const app = newApp();
    twoPublicBuckets(app);
    applyGuardrails(app);
    expect(() => app.synth()).toThrow(/NotAcknowledged/);
    const guard = guardReport(app);
    expect(guard.conclusion).toBe('failure');
    expect(violatingPaths(guard)).toContain('Buckets/NotAcknowledged/Resource');
  });

  it('reports a prefixed acknowledgement as a suppressed violation with its reason', () => {
    const app = newApp();
    twoPublicBuckets(app);
    applyGuardrails(app);
    expect(() => app.synth()).toThrow();
    const guard = guardReport(app);
    const suppressed = guard.suppressedViolations.filter((v) => v.acknowledgedId === PUBLIC_ACCESS_RULE);
    expect(suppressed).toHaveLength(1);
    expect(suppressed[0]?.reason).toBe('test: accepted on purpose');
    expect(suppressed[0]?.violatingConstructs.map((c) => c.constructPath)).toEqual(['Buckets/Acknowledged/Resource']);
  });

  it('the PanOps pack fails synth on an internet gateway in a customer account, and only there', () => {
    const app = newApp();
    const customer = new Stack(app, 'Customer', { env: { account: '200000000001', region: 'us-east-1' } });
    Tags.of(customer).add(TAG_KEYS.customerId, '00000000-0000-4000-8000-000000000001');
    new ec2.CfnInternetGateway(customer, 'Igw');
    const shared = new Stack(app, 'Shared', { env: { account: '100000000010', region: 'us-east-1' } });
    new ec2.CfnInternetGateway(shared, 'Igw');
    const { nagLog } = applyGuardrails(app, { guard: 'deferred' });
    expect(() => app.synth()).toThrow(/PanOps-CustomerAccountNoInternetGateway/);
    const tally = (stack: string) =>
      nagLog.stack(stack).find((t) => t.ruleId === 'PanOps-CustomerAccountNoInternetGateway');
    expect(tally('Customer')?.nonCompliant.map((n) => n.constructPath)).toEqual(['Customer/Igw']);
    expect(tally('Shared')?.nonCompliant).toEqual([]);
    expect(tally('Shared')?.notApplicable).toBe(1);
  });
});
