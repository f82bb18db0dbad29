import { App } from 'aws-cdk-lib';
import { buildOrganization } from './app.js';
import { BlueprintInvalid, loadBlueprint } from './config/index.js';
import { DEFAULT_RESULT_CACHE_DIR, openResultCache } from './guardrails/compliance/result-cache.js';
import { applyGuardrails } from './guardrails/index.js';

/** The CDK app: `cdk synth` / `npx projen deploy` run this with the blueprint folder. */
const blueprintDir = process.env.PANOPS_BLUEPRINT_DIR ?? 'blueprint';
try {
  const blueprint = loadBlueprint(blueprintDir);
  const app = new App({
    // The cdk CLI passes CDK_OUTDIR; run directly (npx projen compliance), write to cdk.out.
    outdir: process.env.CDK_OUTDIR ?? 'cdk.out',
    // cfn-guard and cdk-nag check every template (src/guardrails); CDK's own validator
    // adds ~4 s per synth and checks nothing they do not.
    builtinCloudFormationValidation: false,
  });
  buildOrganization(app, blueprint);
  // cdk-nag packs and the Guard rules: any unacknowledged finding fails synth (and deploy). Guard verdicts of
  // templates already checked (same bytes, same rules) come from the compliance cache folder
  // (PANOPS_GUARD_CACHE=off runs cfn-guard on every template).
  applyGuardrails(
    app,
    process.env.PANOPS_GUARD_CACHE === 'off'
      ? {}
      : { guardCache: openResultCache(process.env.COMPLIANCE_CACHE_DIR ?? DEFAULT_RESULT_CACHE_DIR) },
  );
  app.synth();
} catch (error) {
  if (error instanceof BlueprintInvalid) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
