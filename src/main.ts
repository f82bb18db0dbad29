import { App } from 'aws-cdk-lib';
import { buildOrganization } from './app.js';
import { BlueprintInvalid, loadBlueprint } from './config/index.js';
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
  // cdk-nag packs and the Guard rules: any unacknowledged finding fails synth (and deploy).
  applyGuardrails(app);
  app.synth();
} catch (error) {
  if (error instanceof BlueprintInvalid) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
