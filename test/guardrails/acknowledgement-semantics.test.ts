import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { AcknowledgementIndex, collectAcknowledgements } from '../../src/guardrails/acknowledgements.js';
import { applyGuardrails } from '../../src/guardrails/index.js';

interface Suppressed {
  acknowledgedId: string;
  acknowledgedAt: string;
  violatingConstructs: { constructPath: string }[];
}

describe('acknowledgement resolution', () => {
  it("agrees with CDK's own validation report on which findings an acknowledgement covers", () => {
    const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'ack-')), builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Acks', { env: { account: '111111111111', region: 'us-east-1' } });
    const group = new Construct(stack, 'Group');
    new s3.Bucket(group, 'Inner');
    new s3.Bucket(stack, 'Outer');
    // On an ancestor: covers Group/Inner but not Outer.
    Validations.of(group).acknowledge({ id: 'AwsSolutions::AwsSolutions-S1', reason: 'test: group-wide' });
    Validations.of(stack).acknowledge({
      id: 'cdk-validator-cfnguard::s3_bucket_logging_enabled_check',
      reason: 'test: stack-wide',
    });
    applyGuardrails(app);
    expect(() => app.synth()).toThrow();

    const report = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8'));
    const cdkCovered = report.pluginReports
      .flatMap((r: { suppressedViolations?: Suppressed[] }) => r.suppressedViolations ?? [])
      .flatMap((v: Suppressed) =>
        v.violatingConstructs.map((c) => `${v.acknowledgedId} ${c.constructPath} @${v.acknowledgedAt}`),
      )
      .sort();

    const index = new AcknowledgementIndex(collectAcknowledgements(app));
    const ours = [
      ['AwsSolutions::AwsSolutions-S1', 'Acks/Group/Inner/Resource'],
      ['AwsSolutions::AwsSolutions-S1', 'Acks/Outer/Resource'],
      ['cdk-validator-cfnguard::s3_bucket_logging_enabled_check', 'Acks/Group/Inner/Resource'],
      ['cdk-validator-cfnguard::s3_bucket_logging_enabled_check', 'Acks/Outer/Resource'],
    ]
      .flatMap(([id, path]) => {
        const ack = index.covering(id as string, path as string);
        return ack ? [`${id} ${path} @${ack.constructPath}`] : [];
      })
      .sort();
    expect(ours).toEqual(cdkCovered);
    expect(ours).toHaveLength(3);
  });
});
