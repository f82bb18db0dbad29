import { readFileSync } from 'node:fs';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import type { Blueprint } from '../../config/index.js';
import type { OrganizationalUnits } from '../organizational-units.js';
import { CDK_BOOTSTRAP_TEMPLATE } from '../paths.js';

export const BOOTSTRAP_STACK_SET_NAME = 'panops-cdk-bootstrap';
/** The default CDK qualifier: `ROLE_NAMES.deploy` (cdk-hnb659fds-cfn-exec-role-*) depends on it. */
export const CDK_QUALIFIER = 'hnb659fds';

export interface CdkBootstrapStackSetProps {
  readonly blueprint: Blueprint;
  readonly units: OrganizationalUnits;
  /** OU keys whose accounts are bootstrapped. */
  readonly targetOuKeys: readonly string[];
  /** Policies the CloudFormation execution role gets. @default AdministratorAccess (the CDK default) */
  readonly executionPolicies?: readonly string[];
}

/**
 * The CDK bootstrap (the CLI's own template, qualifier hnb659fds) as a
 * service-managed StackSet with automatic deployment: every account that
 * enters a target OU is bootstrapped in every governed region, trusting the
 * management account to deploy, with no manual `cdk bootstrap` per account.
 */
export class CdkBootstrapStackSet extends Construct {
  readonly stackSet: CfnStackSet;

  constructor(scope: Construct, id: string, props: CdkBootstrapStackSetProps) {
    super(scope, id);
    const { organization } = props.blueprint;
    const parameters: Record<string, string> = {
      TrustedAccounts: organization.managementAccountId,
      TrustedAccountsForLookup: organization.managementAccountId,
      CloudFormationExecutionPolicies: (
        props.executionPolicies ?? ['arn:aws:iam::aws:policy/AdministratorAccess']
      ).join(','),
      Qualifier: CDK_QUALIFIER,
      PublicAccessBlockConfiguration: 'true',
    };
    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: BOOTSTRAP_STACK_SET_NAME,
      description:
        'CDK bootstrap (qualifier hnb659fds) of every PanOps workload account, trusting the management account',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: true },
      managedExecution: { Active: true },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      templateBody: readFileSync(CDK_BOOTSTRAP_TEMPLATE, 'utf8'),
      parameters: Object.entries(parameters).map(([parameterKey, parameterValue]) => ({
        parameterKey,
        parameterValue,
      })),
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: 100,
        failureToleranceCount: 0,
      },
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: props.targetOuKeys.map((key) => props.units.ou(key).attrId) },
          regions: [...organization.governedRegions],
        },
      ],
    });
  }
}
