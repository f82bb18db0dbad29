import { App, CfnResource, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { GUARDRAILS } from '../../src/guardrails/catalog/guardrails.js';
import { scpSids } from '../../src/guardrails/compliance/assemble.js';
import { DATABASE_RULE_IDS } from '../../src/guardrails/database/rules.js';
import { controlTowerRuleFiles, ownRuleFiles, readEnabledControls } from '../../src/guardrails/guard/rule-files.js';
import { NagEvaluationLog, PanOpsChecks } from '../../src/guardrails/index.js';
import { recordEvaluations } from '../../src/guardrails/nag/evaluation-log.js';

/** Every rule id each pack applies: cdk-nag runs every rule on every resource, so one resource lists them all. */
const nagRuleIds = (): Set<string> => {
  const app = new App();
  const stack = new Stack(app, 'Probe');
  const probe = new CfnResource(stack, 'Probe', { type: 'AWS::SQS::Queue' });
  const log = new NagEvaluationLog();
  for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new PanOpsChecks()]) {
    recordEvaluations(pack, log).validateScope(probe);
  }
  return new Set(log.stack('Probe').map((t) => t.ruleId));
};

const controls = readEnabledControls();
const ownGuardRules = new Set(ownRuleFiles().flatMap((f) => f.ruleNames));

describe('the guardrail catalog', () => {
  it('ids are unique and kebab-case, and each quotes the seed', () => {
    const ids = GUARDRAILS.map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const g of GUARDRAILS) {
      expect(g.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(g.seedWords.length, g.id).toBeGreaterThan(0);
    }
  });

  it('every guardrail has a synth-time layer (cdk-nag or Guard) or, for tenant isolation, database checks', () => {
    const without = GUARDRAILS.filter(
      (g) => g.layers.nag.length + g.layers.guard.length + g.layers.database.length === 0,
    ).map((g) => g.id);
    expect(without).toEqual([]);
  });

  it('every guardrail has a preventive layer (SCP, Control Tower, database) or states in the catalog why not', () => {
    const without = GUARDRAILS.filter(
      (g) =>
        g.layers.scp.length + g.layers.controlTower.length + g.layers.database.length === 0 &&
        !(g.preventiveGap && g.preventiveGap.trim().length > 20),
    ).map((g) => g.id);
    expect(without).toEqual([]);
    // A stated gap must be a real gap: a guardrail with a preventive layer carries no gap note.
    const contradicted = GUARDRAILS.filter(
      (g) => g.preventiveGap && g.layers.scp.length + g.layers.controlTower.length > 0,
    ).map((g) => g.id);
    expect(contradicted).toEqual([]);
  });

  it('every referenced SCP file and statement Sid exists in policies/scp', () => {
    const missing = GUARDRAILS.flatMap((g) =>
      g.layers.scp
        .filter((ref) => !scpSids(ref.file)?.includes(ref.sid))
        .map((ref) => `${g.id}: ${ref.file}#${ref.sid}`),
    );
    expect(missing).toEqual([]);
  });

  it('every referenced Control Tower control is enabled in controls.json, and every enabled control serves a guardrail', () => {
    const enabled = new Set(controls.map((c) => c.id));
    const referenced = new Set(GUARDRAILS.flatMap((g) => g.layers.controlTower));
    expect([...referenced].filter((id) => !enabled.has(id))).toEqual([]);
    expect([...enabled].filter((id) => !referenced.has(id))).toEqual([]);
    // ...and each has its bundled Guard rule, which the synth-time check runs.
    expect(controlTowerRuleFiles(controls).map((f) => f.controlId)).toEqual(controls.map((c) => c.id));
  });

  it('every referenced cdk-nag rule exists in its pack', () => {
    const known = nagRuleIds();
    expect(known.size).toBeGreaterThan(200);
    expect(GUARDRAILS.flatMap((g) => g.layers.nag).filter((id) => !known.has(id))).toEqual([]);
  });

  it('every referenced Guard rule is a named rule of policies/guard, and every such rule serves a guardrail', () => {
    const referenced = new Set(GUARDRAILS.flatMap((g) => g.layers.guard));
    expect([...referenced].filter((name) => !ownGuardRules.has(name))).toEqual([]);
    expect([...ownGuardRules].filter((name) => !referenced.has(name))).toEqual([]);
  });

  it('every referenced database check exists, and every database check of the compliance run serves a guardrail', () => {
    const referenced = new Set(GUARDRAILS.flatMap((g) => g.layers.database.flatMap((d) => d.rules)));
    const known = new Set<string>(DATABASE_RULE_IDS);
    expect([...referenced].filter((id) => !known.has(id))).toEqual([]);
    expect([...known].filter((id) => !referenced.has(id))).toEqual([]);
    for (const g of GUARDRAILS) for (const d of g.layers.database) expect(d.rules.length, d.control).toBeGreaterThan(0);
  });

  it('each project Guard rule file is named after the guardrail whose rules it holds', () => {
    for (const file of ownRuleFiles()) {
      const guardrail = GUARDRAILS.find((g) => g.id === file.fileName);
      expect(guardrail, file.fileName).toBeDefined();
      expect(file.ruleNames.every((name) => guardrail?.layers.guard.includes(name))).toBe(true);
    }
  });
});
