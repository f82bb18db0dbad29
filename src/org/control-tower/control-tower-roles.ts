import { Validations } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

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
            statements: [
              new PolicyStatement({
                actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                resources: ['arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*'],
              }),
            ],
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
    Validations.of(admin).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSControlTowerServiceRolePolicy]',
      reason:
        'Control Tower requires its AWS managed service role policy on AWSControlTowerAdmin; AWS maintains it as Control Tower changes',
    });
    Validations.of(configAggregator).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSConfigRoleForOrganizations]',
      reason:
        'The Config aggregator role for organizations is defined by AWS with this managed policy (read-only organization access)',
    });
    Validations.of(this.node.findChild('AdminPolicy')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 'ec2:DescribeAvailabilityZones does not support resource-level permissions; it is read-only',
    });
    Validations.of(this.node.findChild('CloudTrailPolicy')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:logs:*:*:log-group:aws-controltower/CloudTrailLogs:*]',
      reason:
        'Log streams of the Control Tower CloudTrail log group in every governed region; streams are created per account and region',
    });
    Validations.of(this.node.findChild('StackSetPolicy')).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:aws:iam::*:role/AWSControlTowerExecution]',
      reason:
        'Control Tower deploys into every enrolled account through its AWSControlTowerExecution role; accounts are added over time',
    });
    this.roles = [admin, cloudTrail, stackSet, configAggregator];
  }
}
