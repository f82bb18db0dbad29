import type { CheckOutcome } from './model.js';
import { REHEARSAL_CHECKS } from './model.js';

/** The SDK-driven steps against moto_server (vend, drift, the deploy plan's AWS calls). */
export interface SdkStepsOptions {
  readonly blueprintDir?: string;
}

export const sdkStepsCheck = async (_options: SdkStepsOptions = {}): Promise<CheckOutcome> => ({
  check: 'sdk-steps',
  title: REHEARSAL_CHECKS['sdk-steps'],
  evaluated: 0,
  findings: [],
  notes: [],
  skipped: 'not built yet',
});
