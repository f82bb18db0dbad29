import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type Blueprint, loadBlueprint } from '../../src/config/index.js';
import { buildSharedCompute, type SharedComputeStacks } from '../../src/shared-compute/build.js';
import type { LambdaEntries } from '../../src/shared-compute/handler-entries.js';
import type { CfnProperties } from '../support/template.js';

/** Both Lambda entries point at a small stand-in handler (bundled in milliseconds). */
export const FIXTURE_ENTRIES: LambdaEntries = {
  webhook: 'test/shared-compute/fixtures/handler.ts',
  connectorPoll: 'test/shared-compute/fixtures/handler.ts',
};

/** The example organization that ships in `blueprint/`. */
export const exampleBlueprint = (): Blueprint => loadBlueprint('blueprint');

export interface SynthesizedSharedCompute {
  readonly app: App;
  readonly stacks: SharedComputeStacks;
  readonly core: Template;
  readonly schedules: Template[];
  readonly peeringRoutes: Template[];
}

/** Builds and synthesizes the shared compute stacks of a blueprint (one app, no guardrails). */
export const synthSharedCompute = (
  blueprint: Blueprint,
  // CDK's own CloudFormation validation adds seconds per synth and checks nothing the tests do not.
  app = new App({ builtinCloudFormationValidation: false }),
): SynthesizedSharedCompute => {
  const stacks = buildSharedCompute(app, blueprint, {
    env: { account: blueprint.sharedCompute.accountId, region: blueprint.organization.homeRegion },
    lambdaEntries: FIXTURE_ENTRIES,
  });
  return {
    app,
    stacks,
    core: Template.fromStack(stacks.core),
    schedules: stacks.schedules.map((s) => Template.fromStack(s)),
    peeringRoutes: stacks.peeringRoutes.map((s) => Template.fromStack(s)),
  };
};

export { type CfnProperties, resourcesOf } from '../support/template.js';

/** Resources of one type, as a list of their properties. */
export const propertiesOf = (template: Template, type: string): CfnProperties[] =>
  Object.values(template.findResources(type)).map((r) => (r as { Properties: CfnProperties }).Properties);

/** The logical id of the only resource of a type whose properties match `predicate`. */
export const logicalIdOf = (template: Template, type: string, predicate: (p: CfnProperties) => boolean) => {
  const ids = Object.entries(template.findResources(type))
    .filter(([, r]) => predicate((r as { Properties: CfnProperties }).Properties ?? {}))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} to match, found ${ids.length}`);
  return ids[0] as string;
};
