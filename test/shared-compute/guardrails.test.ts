import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectAcknowledgements, isBareId } from '../../src/guardrails/acknowledgements.js';
import { applyGuardrails } from '../../src/guardrails/index.js';
import { buildSharedCompute } from '../../src/shared-compute/build.js';
import { exampleBlueprint, FIXTURE_ENTRIES } from './fixtures.js';

interface PluginReport {
  readonly pluginName: string;
  readonly violations: ReadonlyArray<{
    ruleName: string;
    violatingConstructs: ReadonlyArray<{ constructPath: string }>;
  }>;
  readonly suppressedViolations?: ReadonlyArray<{ acknowledgedId: string; reason: string }>;
}

/** The example organization's shared compute stacks under every guardrail check (nag packs and Guard rules). */
let app: App;
let synthError: unknown;
let reports: PluginReport[];
let packs: string[];
beforeAll(() => {
  app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'shared-compute-guardrails-')),
    builtinCloudFormationValidation: false,
  });
  const blueprint = exampleBlueprint();
  buildSharedCompute(app, blueprint, {
    env: { account: blueprint.sharedCompute.accountId, region: blueprint.organization.homeRegion },
    lambdaEntries: FIXTURE_ENTRIES,
  });
  packs = applyGuardrails(app).nagPacks.map((pack) => pack.readPackName);
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  reports = JSON.parse(readFileSync(join(app.outdir, 'validation-report.json'), 'utf8')).pluginReports;
});

describe('shared compute under the guardrails', () => {
  it('synthesizes with no unacknowledged finding from any pack', () => {
    const open = reports.flatMap((r) =>
      r.violations.map((v) => `${r.pluginName} ${v.ruleName}: ${v.violatingConstructs.map((c) => c.constructPath)}`),
    );
    expect(open).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('was checked by AwsSolutions, NIST 800-53 R5, PanOps and the Guard rules', () => {
    expect(packs).toEqual(expect.arrayContaining(['AwsSolutions', 'NIST.800.53.R5', 'PanOps']));
    // A plugin reports only when it found something: these three each had a finding, acknowledged.
    expect(reports.map((r) => r.pluginName)).toEqual(
      expect.arrayContaining(['AwsSolutions', 'NIST.800.53.R5', 'cdk-validator-cfnguard']),
    );
  });

  it('accepts findings only with a prefixed id and a written reason', () => {
    const acknowledgements = collectAcknowledgements(app).filter((a) =>
      a.constructPath.startsWith('PanOps-SharedCompute'),
    );
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(isBareId(ack.id), ack.id).toBe(false);
      expect(ack.reason.length, `${ack.id} on ${ack.constructPath}`).toBeGreaterThan(40);
    }
  });
});
