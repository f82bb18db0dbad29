/**
 * `npx projen deploy [--dry-run] [-- <cdk deploy args>]`:
 * deploys the organization in the order of src/org/deploy-plan.ts. The
 * organization steps run on the blueprint as it is; the workload steps on the
 * blueprint re-read after vending (new account ids recorded).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Effect } from 'effect';
import { buildOrganization } from '../../app.js';
import { blueprintDir, runCli } from '../../common/cli-runner.js';
import { loadBlueprint } from '../../config/index.js';
import {
  type DeployStep,
  deployedContext,
  deployPlan,
  SHARED_COMPUTE_OUTPUTS_FILE,
  type StackOutputs,
  withDeployedContext,
} from '../deploy-plan.js';
import { Organizations } from '../operations/organizations.js';

const args = process.argv.slice(2);
const separator = args.indexOf('--');
const cdkArgs = separator >= 0 ? args.slice(separator + 1) : [];
const dryRun = args.includes('--dry-run');

const planFor = (rootId: string, context: Record<string, string> = {}) => {
  const blueprint = loadBlueprint(blueprintDir());
  // Constructing the stacks (no synth) gives their names and dependencies.
  // autoSynth off: with CDK_OUTDIR set, an App synthesizes itself when the process exits.
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'panops-plan-')), context, autoSynth: false });
  return deployPlan(buildOrganization(app, blueprint), blueprint, { rootId, cdkArgs });
};

/** The shared compute outputs written by its step (`--outputs-file`); none in a dry run. */
const deployedOutputs = (): StackOutputs | undefined =>
  !dryRun && existsSync(SHARED_COMPUTE_OUTPUTS_FILE)
    ? (JSON.parse(readFileSync(SHARED_COMPUTE_OUTPUTS_FILE, 'utf8')) as StackOutputs)
    : undefined;

const runStep = (step: DeployStep, index: number): number => {
  // The shared compute VPC and Transit Gateway ids come from its deployed outputs, never from a copy.
  const command = withDeployedContext(step, deployedOutputs());
  console.log(`\n== ${index + 1}. ${step.id}: ${step.title}\n   npx ${command.join(' ')}`);
  if (dryRun) return 0;
  const result = spawnSync('npx', [...command], { stdio: 'inherit' });
  if (result.status !== 0)
    console.error(`deploy stopped: step ${step.id} failed (exit ${result.status ?? result.signal})`);
  return result.status ?? 1;
};

const rootId = dryRun
  ? Effect.succeed('r-<looked up with ListRoots>')
  : process.env.PANOPS_ORGANIZATION_ROOT_ID
    ? Effect.succeed(process.env.PANOPS_ORGANIZATION_ROOT_ID)
    : Organizations.use((organizations) => organizations.listRoots()).pipe(
        Effect.map((roots) => roots[0]?.Id ?? ''),
        Effect.provide(Organizations.live()),
      );

runCli(
  Effect.gen(function* () {
    const root = yield* rootId;
    const first = planFor(root);
    let index = 0;
    for (const step of first.steps.filter((s) => s.phase === 'organization')) {
      const code = runStep(step, index++);
      if (code !== 0) return code;
    }
    let second = planFor(root);
    const workloads = second.steps.filter((s) => s.phase === 'workloads');
    for (let i = 0; i < workloads.length; i++) {
      const step = workloads[i] as DeployStep;
      const code = runStep(step, index++);
      if (code !== 0) return code;
      const outputs = deployedOutputs();
      if (step.id === 'shared-compute' && outputs) {
        // Plan the rest with the deployed ids: the peering routes exist only once the VPC id is known.
        second = planFor(root, deployedContext(second.steps, outputs));
        const rest = second.steps.filter((s) => s.phase === 'workloads');
        workloads.splice(i + 1, workloads.length, ...rest.slice(rest.findIndex((s) => s.id === 'shared-compute') + 1));
      }
    }
    if (second.skippedCustomers.length > 0)
      console.log(
        `\nNot deployed (no account id yet; see the vend output): ${second.skippedCustomers.join(', ')}. Run npx projen deploy again once vended.`,
      );
    return 0;
  }),
);
