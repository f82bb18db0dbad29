import { ROLE_NAMES } from '../../config/index.js';
import type { ScpTarget } from '../layout.js';

/**
 * The principals that act in member accounts while `npx projen deploy` brings
 * an organization up, and which of the actions our SCPs deny each of them
 * calls. An SCP Deny exempts exactly the principals listed here that call one
 * of its actions where it is attached (plus break-glass where the README says
 * so), and nobody else: `test/org/scp-deploy-principals.test.ts` evaluates
 * every call against the attached SCPs and checks each exemption list.
 *
 * Service-linked roles need no exemption: SCPs do not affect them
 * (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html).
 * The management account needs none either: SCPs do not apply to it (same page).
 */
export interface DeployCall {
  readonly action: string;
  /** `governed`: in the home region (always governed); `ungoverned`: in a Region outside the governed ones. */
  readonly region: 'governed' | 'ungoverned';
  readonly why: string;
  readonly source: string;
}

export interface DeployPrincipal {
  readonly id: string;
  /** The role name as the SCPs match it (`arn:aws:iam::*:role/<roleName>`). */
  readonly roleName: string;
  readonly what: string;
  /** SCP targets of the accounts it acts in (`root`: an account that only the root's SCPs reach, such as the log archive). */
  readonly actsIn: readonly ScpTarget[];
  /** The calls it makes that one of our SCPs' actions covers (others are not listed). */
  readonly calls: readonly DeployCall[];
}

const CDK_BOOTSTRAP_TEMPLATE_DOC =
  'https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html (the bootstrap template: StagingBucket with PublicAccessBlockConfiguration)';
const CONTROL_TOWER_REGION_DENY =
  'https://docs.aws.amazon.com/controltower/latest/controlreference/primary-region-deny-policy.html';

export const DEPLOY_PRINCIPALS: readonly DeployPrincipal[] = [
  {
    id: 'stack-set-execution',
    roleName: 'stacksets-exec-*',
    what: 'the execution role of service-managed StackSets: deploys the CDK bootstrap StackSet into every workload account',
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-activate-trusted-access.html
    actsIn: ['infrastructure', 'customers', 'quarantine'],
    calls: [
      {
        action: 's3:PutBucketPublicAccessBlock',
        region: 'governed',
        why: 'the bootstrap staging bucket blocks public access (PublicAccessBlockConfiguration true)',
        source: CDK_BOOTSTRAP_TEMPLATE_DOC,
      },
      ...['s3:CreateBucket', 'iam:CreateRole', 'ecr:CreateRepository', 'ssm:PutParameter', 'kms:CreateKey'].map(
        (action) => ({
          action,
          region: 'governed' as const,
          why: 'creates the bootstrap resources while the account is still quarantined (the baseline itself)',
          source: CDK_BOOTSTRAP_TEMPLATE_DOC,
        }),
      ),
    ],
  },
  {
    id: 'control-tower-execution',
    roleName: 'AWSControlTowerExecution',
    what: 'the role Control Tower assumes in every account it sets up or enrolls (its own StackSets run as this role)',
    actsIn: ['root', 'infrastructure', 'customers', 'quarantine'],
    calls: [
      {
        action: 's3:PutBucketPublicAccessBlock',
        region: 'governed',
        why: 'Control Tower creates the log archive account’s logging and access-logging buckets, public access blocked',
        source: 'https://docs.aws.amazon.com/controltower/latest/userguide/awscontroltowerexecution.html',
      },
      ...['cloudformation:CreateStack', 'config:PutConfigurationRecorder', 'iam:CreateRole', 'sns:CreateTopic'].map(
        (action) => ({
          action,
          region: 'governed' as const,
          why: 'applies the Control Tower baseline when it enrolls an account still in quarantine',
          source: 'https://docs.aws.amazon.com/controltower/latest/userguide/enroll-account.html',
        }),
      ),
      {
        action: 'config:PutConfigurationRecorder',
        region: 'ungoverned',
        why: 'Control Tower’s own Region deny control exempts this role so that Control Tower keeps managing every Region',
        source: CONTROL_TOWER_REGION_DENY,
      },
    ],
  },
  {
    id: 'control-tower-roles',
    roleName: 'aws-controltower-*',
    what: 'the roles Control Tower creates in each account (for example the AWS Config recorder role)',
    actsIn: ['root', 'infrastructure', 'customers', 'quarantine'],
    calls: [
      {
        action: 'config:PutEvaluations',
        region: 'governed',
        why: 'AWS Config records the account through aws-controltower-ConfigRecorderRole from enrollment on, quarantine included',
        source: 'https://docs.aws.amazon.com/controltower/latest/userguide/roles-how.html',
      },
      {
        action: 'sns:Publish',
        region: 'ungoverned',
        why: 'Control Tower’s own Region deny control exempts its aws-controltower-* roles (notification forwarding, Config recording)',
        source: CONTROL_TOWER_REGION_DENY,
      },
    ],
  },
  {
    id: 'cdk-cloudformation-execution',
    roleName: ROLE_NAMES.deploy,
    what: 'the CDK bootstrap’s CloudFormation execution role: every PanOps workload stack is created and updated as this role',
    // https://docs.aws.amazon.com/cdk/v2/guide/bootstrapping-env.html
    actsIn: ['infrastructure', 'customers'],
    calls: [
      {
        action: 's3:PutBucketPublicAccessBlock',
        region: 'governed',
        why: 'every PanOps bucket blocks all public access',
        source:
          'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-publicaccessblockconfiguration.html',
      },
      {
        action: 'rds:ModifyDBCluster',
        region: 'governed',
        why: 'updates an Aurora cluster (capacity, backup retention) when the blueprint changes',
        source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-rds-dbcluster.html',
      },
      {
        action: 'cloudtrail:DeleteTrail',
        region: 'governed',
        why: 'rolls back a failed first create of the customer trail (DeletionPolicy RetainExceptOnCreate: never otherwise), so a retry finds its name free',
        source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html',
      },
      ...['cloudtrail:PutEventSelectors', 'cloudtrail:UpdateTrail', 'cloudtrail:RemoveTags'].map((action) => ({
        action,
        region: 'governed' as const,
        why: 'creates and updates the customer-owned trail (event selectors, settings, tags)',
        source: 'https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-cloudtrail-trail.html',
      })),
    ],
  },
];

/**
 * Statements that also exempt the break-glass role (`ROLE_NAMES.breakGlass`):
 * the emergency path the README documents. Break-glass is no deploy principal.
 */
export const BREAK_GLASS_EXEMPT_STATEMENTS: readonly string[] = [
  'DenyDeletingAuroraBackups',
  'DenyAuroraClusterChangesOutsideDeploys',
  'DenyStoppingTrails',
  'DenyDeletingTrailsOutsideFailedCreates',
  'DenyAlteringTrailsOutsideDeploys',
  'DenyRegionsOutsideTheGovernedRegions',
  'DenyDisablingOrDeletingCustomerKeys',
  'DenyEverythingUntilTheBaselineIsApplied',
];

/** How the SCPs name a role in `aws:PrincipalArn`. */
export const roleArnPattern = (roleName: string): string => `arn:aws:iam::*:role/${roleName}`;
