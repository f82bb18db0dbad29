import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the org stack reads its policy documents relative to it). */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One JSON document per SCP, plus `attachments.json` (where each is attached). */
export const SCP_DIR = join(REPO_ROOT, 'policies', 'scp');
/** The reviewed list of Control Tower controls that PanOps enables and verifies at synth. */
export const CONTROLS_FILE = join(REPO_ROOT, 'policies', 'control-tower', 'controls.json');

const require = createRequire(import.meta.url);
/** Metadata of the Control Tower proactive-control Guard rules bundled with cdk-validator-cfnguard. */
export const BUNDLED_CONTROL_METADATA_DIR = join(
  dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')),
  'rules',
  'control-tower',
  'metadata',
);
/** The CDK CLI's bootstrap template: the StackSet deploys it to every customer account. */
export const CDK_BOOTSTRAP_TEMPLATE = join(
  dirname(require.resolve('aws-cdk/package.json')),
  'lib',
  'api',
  'bootstrap',
  'bootstrap-template.yaml',
);
