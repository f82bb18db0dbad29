/**
 * What a Lambda function in a VPC needs to manage its network interfaces: the
 * EC2 actions of AWS's `AWSLambdaVPCAccessExecutionRole`. None supports
 * resource-level permissions, so statements with them name `*`.
 */
export const LAMBDA_VPC_ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;
