import type { SimulationOrgPolicies } from '@cloud-copilot/iam-simulate';
import { actionsFor, handlerPermissionsSource } from './handler-permissions.js';
import type { CheckOutcome, RehearsalFinding } from './model.js';
import { REHEARSAL_CHECKS } from './model.js';
import { type OrgModel, ouPath, stackSetRegions, stackSetTargets } from './org-model.js';
import { describeDenials, FULL_AWS_ACCESS, type Simulator, simulate as simulateRequest } from './simulate.js';
import { type LoadedTemplate, resourcesOf, tagsOf } from './templates.js';

/**
 * Would an SCP stop a deploy? For each template, the principal that deploys
 * it and the OU path of the account it lands in; for each action the
 * template's resources need (their handlers' permissions), the request goes
 * through the SCPs on that path (and FullAWSAccess on every level) with an
 * identity that may do anything: whatever is denied is denied by an SCP.
 *
 * - The management account's stack (the organization) is skipped: SCPs do
 *   not apply to the management account
 *   (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
 * - Workload stacks deploy with CDK's CloudFormation execution role,
 *   `cdk-hnb659fds-cfn-exec-role-<account>-<region>`
 *   (https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html).
 * - A service-managed StackSet's instances deploy with `stacksets-exec-<hash>`
 *   in each target account (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html;
 *   the role name is the one the SCP examples exempt).
 * - Control Tower enrolls an account through `AWSControlTowerExecution`
 *   (https://docs.aws.amazon.com/controltower/latest/userguide/awscontroltowerexecution.html):
 *   its baseline StackSets create Config, SNS, Lambda, CloudWatch Logs and
 *   IAM resources in each governed region (https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html).
 */
const CONTROL_TOWER_ENROLLMENT_ACTIONS = [
  'cloudformation:CreateStack',
  'cloudformation:UpdateStack',
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'config:PutConfigurationRecorder',
  'config:PutDeliveryChannel',
  'config:StartConfigurationRecorder',
  'sns:CreateTopic',
  'sns:Subscribe',
  'lambda:CreateFunction',
  'logs:CreateLogGroup',
  'events:PutRule',
  'events:PutTargets',
];

export const CDK_EXEC_ROLE = (account: string, region: string) =>
  `arn:aws:iam::${account}:role/cdk-hnb659fds-cfn-exec-role-${account}-${region}`;
/** AWS names StackSet execution roles `stacksets-exec-<32 hex>`; any such name is what the SCPs see. */
export const STACKSET_EXEC_ROLE = (account: string) =>
  `arn:aws:iam::${account}:role/stacksets-exec-0123456789abcdef0123456789abcdef`;
export const CONTROL_TOWER_EXEC_ROLE = (account: string) => `arn:aws:iam::${account}:role/AWSControlTowerExecution`;

/** A placeholder member account for StackSet instances and enrollment (any member account is under the same SCPs). */
const MEMBER_ACCOUNT = '222222222222';

interface Deployment {
  readonly template: LoadedTemplate;
  readonly principal: string;
  readonly principalName: string;
  readonly account: string;
  readonly ou: string;
  readonly regions: readonly string[];
  /** The actions with the resource that needs each (first one, for the finding). */
  readonly actions: ReadonlyMap<string, { resource: string; type: string }>;
}

const isCustomerTemplate = (t: LoadedTemplate) => resourcesOf(t).some(([, r]) => 'panops:customer' in tagsOf(r));

/** The customer shard OU (`customers-1`) where the model has one, else `customers`. */
const customerOu = (model: OrgModel) =>
  [...model.units.keys()].find((k) => /^customers-\d+$/.test(k)) ??
  (model.units.has('customers') ? 'customers' : 'root');

const neededActions = (t: LoadedTemplate, unknownTypes: Set<string>) => {
  const actions = new Map<string, { resource: string; type: string }>();
  for (const [id, r] of resourcesOf(t)) {
    const list = actionsFor(r);
    if (!list) {
      unknownTypes.add(r.Type);
      continue;
    }
    for (const a of list) if (!actions.has(a)) actions.set(a, { resource: id, type: r.Type });
  }
  return actions;
};

export const deployments = (
  templates: readonly LoadedTemplate[],
  model: OrgModel,
  unknownTypes: Set<string>,
): { deployments: Deployment[]; notes: string[] } => {
  const notes: string[] = [];
  const org = templates.find((t) => t.name === model.organizationTemplate);
  const result: Deployment[] = [];
  const stackSetRegionsAll = new Set<string>();
  for (const t of templates) {
    if (t.name === model.organizationTemplate) {
      notes.push(`${t.name}: deployed in the management account, where SCPs do not apply`);
      continue;
    }
    if (t.stackSet) {
      const targets = stackSetTargets(org, t.stackSet.logicalId);
      const regions = stackSetRegions(org, t.stackSet.logicalId);
      for (const r of regions) stackSetRegionsAll.add(r);
      for (const ou of targets.length > 0 ? targets : ['quarantine'])
        result.push({
          template: t,
          principal: STACKSET_EXEC_ROLE(MEMBER_ACCOUNT),
          principalName: 'stacksets-exec-*',
          account: MEMBER_ACCOUNT,
          ou,
          regions: regions.length > 0 ? regions : [t.region],
          actions: neededActions(t, unknownTypes),
        });
      continue;
    }
    const ou = isCustomerTemplate(t)
      ? customerOu(model)
      : model.units.has('infrastructure')
        ? 'infrastructure'
        : 'root';
    result.push({
      template: t,
      principal: CDK_EXEC_ROLE(t.account, t.region),
      principalName: 'cdk-hnb659fds-cfn-exec-role',
      account: t.account,
      ou,
      regions: [t.region],
      actions: neededActions(t, unknownTypes),
    });
  }
  // Control Tower enrolls every member account, first in Quarantine, again where it is released to.
  const enrollmentRegions =
    stackSetRegionsAll.size > 0 ? [...stackSetRegionsAll] : [templates[0]?.region ?? 'us-east-1'];
  for (const ou of ['quarantine', customerOu(model), 'infrastructure'].filter((k) => model.units.has(k)))
    result.push({
      template: {
        name: 'control-tower-enrollment',
        file: '-',
        body: {},
        account: MEMBER_ACCOUNT,
        accountKnown: false,
        region: enrollmentRegions[0] as string,
      },
      principal: CONTROL_TOWER_EXEC_ROLE(MEMBER_ACCOUNT),
      principalName: 'AWSControlTowerExecution',
      account: MEMBER_ACCOUNT,
      ou,
      regions: enrollmentRegions,
      actions: new Map(
        CONTROL_TOWER_ENROLLMENT_ACTIONS.map((a) => [a, { resource: 'account baseline', type: 'Control Tower' }]),
      ),
    });
  return { deployments: result, notes };
};

export const scpDeployCheck = async (
  templates: readonly LoadedTemplate[],
  model: OrgModel,
  simulate: Simulator = simulateRequest,
): Promise<CheckOutcome> => {
  const unknownTypes = new Set<string>();
  const { deployments: plan, notes } = deployments(templates, model, unknownTypes);
  const findings: RehearsalFinding[] = [];
  let evaluated = 0;
  for (const d of plan) {
    const path = ouPath(model, d.ou);
    const scps: SimulationOrgPolicies[] = [
      ...path.map((unit) => ({
        orgIdentifier: unit.key,
        policies: [
          { name: 'FullAWSAccess', policy: FULL_AWS_ACCESS },
          ...unit.scps.map((s) => ({ name: s.name, policy: s.document })),
        ],
      })),
      { orgIdentifier: d.account, policies: [{ name: 'FullAWSAccess', policy: FULL_AWS_ACCESS }] },
    ];
    for (const region of d.regions) {
      for (const [action, need] of d.actions) {
        evaluated++;
        const outcome = await simulate({
          principal: d.principal,
          action,
          resource: '*',
          resourceAccount: d.account,
          context: {
            'aws:PrincipalArn': d.principal,
            'aws:PrincipalAccount': d.account,
            'aws:RequestedRegion': region,
            'aws:SecureTransport': 'true',
          },
          identityPolicies: [{ name: 'AdministratorAccess', policy: FULL_AWS_ACCESS }],
          scps,
        });
        if (outcome.allowed) continue;
        if (outcome.result.startsWith('error')) {
          notes.push(`${d.template.name}: ${action} could not be evaluated (${outcome.result.slice(0, 200)})`);
          continue;
        }
        findings.push({
          check: 'scp-deploy',
          template: d.template.name,
          resource: need.resource,
          message: `${d.principalName} cannot call ${action} (${need.type}) in ${region}, OU path ${path.map((u) => u.key).join(' > ')}: ${describeDenials(outcome.denials)}`,
          fix: `exempt ${d.principalName} (arn:aws:iam::*:role/${d.principalName.replace(/\*$/, '')}*) from that SCP statement, or stop needing ${action} there`,
        });
      }
    }
  }
  if (unknownTypes.size > 0)
    notes.push(
      `resource types without handler permissions in the table (not simulated): ${[...unknownTypes].sort().join(', ')}`,
    );
  notes.push(`organization read from ${model.source}; handler permissions: ${handlerPermissionsSource()}`);
  return { check: 'scp-deploy', title: REHEARSAL_CHECKS['scp-deploy'], evaluated, findings, notes };
};
