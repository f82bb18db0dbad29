/**
 * `tsx src/org/cli/organization-settings.ts [--enable]`: the one-time
 * organization settings the stacks depend on. With `--enable` (deploy's first
 * step) each needed setting that is off is enabled and waited for; without
 * it, any setting that is off is refused with the exact command to run.
 * Exit 0: all in effect; 2: refused or failed (the message says what to run).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { RAMClient } from '@aws-sdk/client-ram';
import { Effect } from 'effect';
import { blueprintDir, runCli } from '../../common/cli-runner.js';
import { loadBlueprint } from '../../config/index.js';
import { enableOrganizationSettings, formatSettingOutcomes } from '../operations/enable-organization-settings.js';

const args = process.argv.slice(2);
const blueprint = loadBlueprint(blueprintDir());
const region = blueprint.organization.homeRegion;

runCli(
  enableOrganizationSettings(
    blueprint,
    {
      // Organizations is served from us-east-1; StackSets and RAM from the home region.
      organizations: new OrganizationsClient({ region: 'us-east-1' }),
      cloudFormation: new CloudFormationClient({ region }),
      ram: new RAMClient({ region }),
    },
    { refuse: !args.includes('--enable') },
  ).pipe(
    Effect.map((outcomes) => {
      console.log(`Organization settings:\n${formatSettingOutcomes(outcomes)}`);
      return 0;
    }),
  ),
);
