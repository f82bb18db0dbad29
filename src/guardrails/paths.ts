import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every path the report prints is relative to it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `policies/`: SCP documents, the Control Tower control list, the project's own Guard rules. */
export const POLICIES_DIR = join(REPO_ROOT, 'policies');
export const OWN_GUARD_RULES_DIR = join(POLICIES_DIR, 'guard');
export const CONTROL_TOWER_CONTROLS_FILE = join(POLICIES_DIR, 'control-tower', 'controls.json');
export const SCP_DIR = join(POLICIES_DIR, 'scp');

const require = createRequire(import.meta.url);
/** The installed `@cdklabs/cdk-validator-cfnguard`: its cfn-guard binary and bundled Control Tower rules. */
export const CFN_GUARD_PACKAGE_DIR = dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
export const CONTROL_TOWER_RULES_DIR = join(CFN_GUARD_PACKAGE_DIR, 'rules', 'control-tower', 'cfn-guard');
export const CONTROL_TOWER_METADATA_DIR = join(CFN_GUARD_PACKAGE_DIR, 'rules', 'control-tower', 'metadata');
