import { ManagedPolicy, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledge, iam4, iam5 } from '../../common/acknowledge.js';
import { writeToLogGroup } from '../../common/log-writer.js';

/**
 * The four service roles Control Tower needs in the management account before
 * a landing zone can be created through its API (and so through
 * `AWS::ControlTower::LandingZone`), with the names, trust and permissions
 * that the Control Tower documentation prescribes. Permissions live in
 * customer managed policies (no inline policies).
 */
export class ControlTowerRoles extends Construct {
  readonly roles: readonly Role[];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const admin = new Role(this, 'Admin', {
      roleName: 'AWSControlTowerAdmin',
      path: '/service-role/',
      assumedBy: new ServicePrincipal('controltower.amazonaws.com'),
      description: 'Control Tower: manages the landing zone',
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSControlTowerServiceRolePolicy'),
        new ManagedPolicy(this, 'AdminPolicy', {
          managedPolicyName: 'AWSControlTowerAdminPolicy',
          document: new PolicyDocument({
            statements: [new PolicyStatement({ actions: ['ec2:DescribeAvailabilityZones'], resources: ['*'] })],
          }),
        }),
      ],
    });
    const cloudTrail = new Role(this, 'CloudTrail', {
      roleName: 'AWSControlTowerCloudTrailRole',
      path: '/service-role/',
      assumedBy: new ServicePrincipal('cloudtrail.amazonaws.com'),
      description: 'Control Tower: the organization trail delivers to CloudWatch Logs',
      managedPolicies: [
        new ManagedPolicy(this, 'CloudTrailPolicy', {
          managedPolicyName: 'AWSControlTowerCloudTrailRolePolicy',
          document: new PolicyDocument({
            statements: [writeToLogGroup('arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*')],
          }),
        }),
      ],
    });
    const stackSet = new Role(this, 'StackSet', {
      roleName: 'AWSControlTowerStackSetRole',
      path: '/service-role/',
      assumedBy: new ServicePrincipal('cloudformation.amazonaws.com'),
      description: 'Control Tower: deploys its StackSets into enrolled accounts',
      managedPolicies: [
        new ManagedPolicy(this, 'StackSetPolicy', {
          managedPolicyName: 'AWSControlTowerStackSetRolePolicy',
          document: new PolicyDocument({
            statements: [
              new PolicyStatement({
                actions: ['sts:AssumeRole'],
                resources: ['arn:aws:iam::*:role/AWSControlTowerExecution'],
              }),
            ],
          }),
        }),
      ],
    });
    const configAggregator = new Role(this, 'ConfigAggregator', {
      roleName: 'AWSControlTowerConfigAggregatorRoleForOrganizations',
      path: '/service-role/',
      assumedBy: new ServicePrincipal('config.amazonaws.com'),
      description: 'Control Tower: the AWS Config aggregator reads the organization',
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSConfigRoleForOrganizations')],
    });
    // Each finding below is the role exactly as Control Tower's documentation defines it.
    acknowledge(
      admin,
      [iam4('arn:<AWS::Partition>:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy')],
      'Control Tower requires its AWS managed service role policy on AWSControlTowerAdmin; AWS maintains it as Control Tower changes',
    );
    acknowledge(
      configAggregator,
      [iam4('arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations')],
      'The Config aggregator role for organizations is defined by AWS with this managed policy (read-only organization access)',
    );
    acknowledge(
      this.node.findChild('AdminPolicy'),
      [iam5('Resource::*')],
      'ec2:DescribeAvailabilityZones does not support resource-level permissions; it is read-only',
    );
    acknowledge(
      this.node.findChild('CloudTrailPolicy'),
      [iam5('Resource::arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*')],
      'Log streams of the Control Tower CloudTrail log group in every governed region; streams are created per account and region',
    );
    acknowledge(
      this.node.findChild('StackSetPolicy'),
      [iam5('Resource::arn:aws:iam::*:role/AWSControlTowerExecution')],
      'Control Tower deploys into every enrolled account through its AWSControlTowerExecution role; accounts are added over time',
    );
    this.roles = [admin, cloudTrail, stackSet, configAggregator];
  }
}
