import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectAcknowledgements, isBareId } from '../../src/guardrails/acknowledgements.js';
import { applyGuardrails } from '../../src/guardrails/index.js';
import { buildSharedCompute } from '../../src/shared-compute/build.js';
import { openFindings, type PluginReport, readPluginReports } from '../support/validation-report.js';
import { exampleBlueprint, FIXTURE_ENTRIES } from './fixtures.js';

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
  reports = readPluginReports(app.outdir);
});

describe('shared compute under the guardrails', () => {
  it('synthesizes with no unacknowledged finding from any pack', () => {
    expect(openFindings(reports)).toEqual([]);
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
