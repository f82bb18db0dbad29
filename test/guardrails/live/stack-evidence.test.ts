import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { Stack } from 'aws-cdk-lib';
import type { AwsStub } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ComplianceReport } from '../../../src/guardrails/compliance/model.js';
import { checkApp, newComplianceApp } from '../../../src/guardrails/compliance/run.js';
import { type AccountAccess, organizationAccess } from '../../../src/guardrails/evidence/live/accounts.js';
import { collectLiveEvidence } from '../../../src/guardrails/evidence/live/collect.js';
import { withLiveEvidence } from '../../../src/guardrails/evidence/live/join.js';
import type { LiveCheck } from '../../../src/guardrails/evidence/live/model.js';
import type { StackRef } from '../../../src/guardrails/evidence/live/promises.js';
import { renderHtml } from '../../../src/guardrails/report/html.js';
import { renderMarkdown } from '../../../src/guardrails/report/markdown.js';
import { renderSarif } from '../../../src/guardrails/report/sarif.js';
import { type Moto, startMoto } from '../../support/moto.js';
import { customerTemplate, deploy, MEMBER, mockCloudFormation, STACK, writeTemplate } from './fixture.js';

let moto: Moto;
let access: AccountAccess;
let stack: StackRef;
let synthReport: ComplianceReport;
// biome-ignore lint/suspicious/noExplicitAny: the mock's command types vary per call
let cfn: AwsStub<any, any, any> | undefined;

beforeAll(async () => {
  moto = await startMoto();
  stack = writeTemplate();
  // A real synth report (no findings) whose one stack is the member account's customer stack.
  const app = newComplianceApp({ outdir: `${stack.template}.out` });
  new Stack(app, STACK, { env: { account: MEMBER, region: 'us-east-1' } });
  const report = await checkApp(app, { database: false });
  synthReport = { ...report, stacks: report.stacks.map((s) => ({ ...s, template: stack.template })) };
}, 120_000);
afterAll(async () => {
  await moto?.close();
});
afterEach(() => {
  cfn?.restore();
  access?.destroy();
});

const collect = async () => {
  // The caller is the emulator's management account (123456789012); the member account is reached by sts:AssumeRole.
  access = organizationAccess({ client: moto.client });
  return collectLiveEvidence({ access, stacks: [stack], polling: { intervalMs: 1 } });
};
const bySource = (checks: readonly LiveCheck[], source: LiveCheck['source']) =>
  checks.filter((c) => c.source === source);

describe('live evidence per stack (moto_server for S3, CloudTrail, KMS, STS; CloudFormation mocked)', () => {
  it('agreement: every check agrees and the report keeps its outcome', async () => {
    const deployed = await deploy(moto, 'same');
    cfn = mockCloudFormation(deployed);
    const live = await collect();
    expect(live.checks.map((c) => [c.source, c.subject, c.status])).toEqual([
      ['cloudformation-drift', `stack ${STACK}: deployed template`, 'agrees'],
      ['cloudformation-drift', `stack ${STACK}: resources`, 'agrees'],
      ['object-lock', `bucket ${deployed.archive} (ArchiveBucket)`, 'agrees'],
      ['object-lock', `bucket ${deployed.trailBucket} (TrailBucket)`, 'agrees'],
      ['cloudtrail', `trail ${deployed.trail} (Trail)`, 'agrees'],
      ['kms-rotation', `key ${deployed.keyId} (CustomerKey)`, 'agrees'],
    ]);
    expect(bySource(live.checks, 'object-lock')[0]?.live).toBe('Object Lock enabled, COMPLIANCE, 2555 days');
    expect(live.summary).toEqual({ checks: 6, agree: 6, disagree: 0, unverified: 0 });
    expect(live.access).toContain('ReadOnlyAccess');
    // The resources are the member account's: the management account's own credentials do not see them.
    const management = new S3Client({ ...moto.client, forcePathStyle: true });
    const own = await management.send(new ListBucketsCommand({}));
    management.destroy();
    expect((own.Buckets ?? []).map((b) => b.Name)).not.toContain(deployed.archive);

    const report = withLiveEvidence(synthReport, live);
    expect(synthReport.summary.outcome).toBe('pass');
    expect(report.summary.outcome).toBe('pass');
    const md = renderMarkdown(report);
    expect(md).toContain('## Live organization: synth beside what is deployed');
    expect(md).toContain('None: the live organization shows what synth promised.');
    // The live column beside the synth outcome, per guardrail and per stack.
    expect(md).toMatch(/\| \[cloudtrail-tamper-evident\]\(#guardrail-cloudtrail-tamper-evident\) \|.*\| 1 agree \|/);
    expect(md).toMatch(new RegExp(`<a id="stack-${STACK}"></a>${STACK} \\|.*\\| 6 agree \\|`));
    expect(JSON.parse(renderSarif(report)).runs[0].results).toEqual([]);
  });

  it('disagreement: no Object Lock, rotation off, trail stopped, a drifted resource and another template are each a finding', async () => {
    const deployed = await deploy(moto, 'drifted', { archiveLock: true, rotation: true, logging: true });
    const older = { Resources: { ...customerTemplate.Resources, Extra: { Type: 'AWS::SNS::Topic' } } };
    cfn = mockCloudFormation(deployed, { drifted: true, template: older });
    const live = await collect();
    const status = (source: LiveCheck['source']) => bySource(live.checks, source).map((c) => [c.live, c.status]);
    expect(status('cloudformation-drift')).toEqual([
      ['a different template (deployed from another synth)', 'disagrees'],
      [
        'DRIFTED: LogBucket MODIFIED (/VersioningConfiguration/Status NOT_EQUAL: expected Enabled, actual Suspended)',
        'disagrees',
      ],
    ]);
    // Synth says Object Lock COMPLIANCE for 2555 days (7 years); the bucket has none.
    expect(status('object-lock')).toEqual([
      ['no Object Lock configuration', 'disagrees'],
      ['Object Lock enabled, GOVERNANCE, 365 days', 'agrees'],
    ]);
    expect(bySource(live.checks, 'object-lock')[0]?.synth).toBe('Object Lock enabled, COMPLIANCE, 2555 days');
    expect(status('cloudtrail')).toEqual([['not logging, log file validation on', 'disagrees']]);
    expect(status('kms-rotation')).toEqual([['rotation disabled', 'disagrees']]);
    expect(live.summary).toEqual({ checks: 6, agree: 1, disagree: 5, unverified: 0 });

    const report = withLiveEvidence(synthReport, live);
    expect(report.summary.outcome).toBe('fail');
    const md = renderMarkdown(report);
    expect(md).toContain('### Disagreements (5)');
    expect(md).toContain('no Object Lock configuration | DISAGREES');
    expect(md).toMatch(/\| \[kms-key-rotation\]\(#guardrail-kms-key-rotation\) \|.*\| 1 DISAGREE \|/);
    const html = renderHtml(report);
    expect(html).toContain('Live organization: synth beside what is deployed');
    expect(html).toContain('DISAGREES');
    const sarif = JSON.parse(renderSarif(report)).runs[0];
    expect(sarif.results.map((r: { ruleId: string }) => r.ruleId).sort()).toEqual([
      'live/cloudformation-drift',
      'live/cloudformation-drift',
      'live/cloudtrail',
      'live/kms-rotation',
      'live/object-lock',
    ]);
    expect(sarif.tool.driver.rules.map((r: { id: string }) => r.id)).toContain('live/object-lock');
    expect(JSON.parse(JSON.stringify(report)).live.summary.disagree).toBe(5);
  });

  it('a stack that is not deployed disagrees; an account that cannot be reached is unverified, never agreement', async () => {
    const deployed = await deploy(moto, 'absent');
    cfn = mockCloudFormation(deployed, { missing: true });
    const missing = await collect();
    expect(missing.checks.map((c) => [c.subject, c.live, c.status])).toEqual([
      [`stack ${STACK}: deployed template`, 'stack not deployed', 'disagrees'],
      [`stack ${STACK}: resources`, 'stack not deployed', 'disagrees'],
    ]);
    cfn.restore();
    cfn = undefined;
    const broken = organizationAccess({ client: { ...moto.client, endpoint: 'http://127.0.0.1:9' } });
    const unreachable = await collectLiveEvidence({ access: broken, stacks: [stack] });
    broken.destroy();
    expect(unreachable.summary).toMatchObject({ checks: 1, agree: 0, unverified: 1 });
    expect(withLiveEvidence(synthReport, unreachable).summary.outcome).toBe('fail');
  });
});
