import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { CFN_GUARD_PACKAGE_DIR } from '../paths.js';

/** The cfn-guard binary shipped inside `@cdklabs/cdk-validator-cfnguard` (nothing to install). */
export const cfnGuardBinary = (): string => {
  const os = platform() === 'darwin' ? 'macos' : 'ubuntu';
  const cpu = arch() === 'arm64' ? 'aarch64' : 'x86_64';
  return join(CFN_GUARD_PACKAGE_DIR, 'bin', os, cpu, 'cfn-guard');
};
