import type { CfnResource } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { CfnEgressOnlyInternetGateway, CfnInternetGateway, CfnVPCGatewayAttachment } from 'aws-cdk-lib/aws-ec2';
import { NagRuleCompliance } from 'cdk-nag';
import { isInCustomerStack } from '../customer-stack.js';
import type { PanOpsNagRule } from '../panops-rule.js';

/** A customer account has no internet gateway (nor an egress-only one, nor an attachment of one). */
export const CustomerAccountNoInternetGateway: PanOpsNagRule = {
  id: 'CustomerAccountNoInternetGateway',
  info: 'The customer account stack creates or attaches an internet gateway.',
  explanation:
    "The seed: each customer account's VPC has no internet gateway; the only network path is the peering to shared compute.",
  check: (node: CfnResource) => {
    const isGateway = node instanceof CfnInternetGateway || node instanceof CfnEgressOnlyInternetGateway;
    const isGatewayAttachment =
      node instanceof CfnVPCGatewayAttachment && Stack.of(node).resolve(node.internetGatewayId) !== undefined;
    if (!isGateway && !isGatewayAttachment) return NagRuleCompliance.NOT_APPLICABLE;
    return isInCustomerStack(node) ? NagRuleCompliance.NON_COMPLIANT : NagRuleCompliance.NOT_APPLICABLE;
  },
};
