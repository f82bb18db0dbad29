import { Duration, Stack } from 'aws-cdk-lib';
import { type IVpc, SubnetType } from 'aws-cdk-lib/aws-ec2';
import { PolicyDocument, type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { AwsCustomResource, type AwsSdkCall } from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';
import { writeToLogGroup } from '../../common/log-writer.js';
import { encryptedLogGroup } from './encrypted-log-group.js';

/**
 * Accepts, once per stack, the findings on CDK's singleton AwsCustomResource
 * provider function when it runs in the shared compute VPC (the peering-route
 * lookups, the Transit Gateway settings): it exists only during deploys and
 * its subnets are imported, which the rules cannot see.
 */
export const acknowledgeVpcCustomResourceProvider = (scope: IConstruct): void => {
  const provider = Stack.of(scope).node.tryFindChild(
    `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
  );
  if (!provider) return;
  acknowledge(
    provider,
    ['NIST.800.53.R5::NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5::NIST.800.53.R5-LambdaDLQ'],
    'CDK’s AwsCustomResource provider runs only during deploys, invoked synchronously by CloudFormation, which reports and rolls back a failure: there are no asynchronous events to dead-letter and no load to cap.',
  );
  acknowledge(
    provider,
    ['cdk-validator-cfnguard::lambda_inside_vpc_check'],
    'The function is in the shared compute VPC: its subnets are imported from the core stack (Fn::ImportValue), which the rule cannot resolve.',
  );
};

export interface DeployTimeCallsProps {
  /** Construct ids of the role and of its log group (their logical ids in the template). */
  readonly roleId: string;
  readonly logsId: string;
  /** The role's description and the name of its one inline policy. */
  readonly description: string;
  readonly policyName: string;
  /** What the calls may do; writing their own log group is added. */
  readonly statements: readonly PolicyStatement[];
  /** The shared compute VPC the provider function runs in (private subnets). */
  readonly vpc: IVpc;
  readonly logKey: IKey;
}

/**
 * SDK calls made at deploy time by CDK's AwsCustomResource from the shared
 * compute VPC, all with one role: `statements` and writing the calls' own
 * encrypted log group, nothing else. `call` adds one (created and updated
 * with the same request).
 */
export const deployTimeCalls = (scope: Construct, props: DeployTimeCallsProps) => {
  const logGroup = encryptedLogGroup(scope, props.logsId, props.logKey);
  const role = new Role(scope, props.roleId, {
    assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
    inlinePolicies: {
      [props.policyName]: new PolicyDocument({
        statements: [...props.statements, writeToLogGroup(logGroup.logGroupArn)],
      }),
    },
  });
  const call = (id: string, request: AwsSdkCall) =>
    new AwsCustomResource(scope, id, {
      onCreate: request,
      onUpdate: request,
      role,
      vpc: props.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      installLatestAwsSdk: false,
      timeout: Duration.minutes(2),
      logGroup,
    });
  return { role, call };
};
