import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/**
 * Writing to one CloudWatch Logs group: creating its streams and putting
 * events, nothing else. A log group's ARN ends in `:*`, so it names the
 * group's streams, which the writer (Lambda, CloudTrail) names itself.
 */
export const writeToLogGroup = (logGroupArn: string, sid?: string): PolicyStatement =>
  new PolicyStatement({
    ...(sid === undefined ? {} : { sid }),
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroupArn],
  });
