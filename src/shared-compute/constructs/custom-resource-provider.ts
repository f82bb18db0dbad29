import { Stack } from 'aws-cdk-lib';
import { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import type { IConstruct } from 'constructs';
import { acknowledge } from '../../common/acknowledge.js';

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
