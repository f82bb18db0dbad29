import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { logicalIdOf, propertiesOf } from './fixtures.js';

/**
 * The seed's requirements as assertions over a synthesized template. The stack
 * test applies them to the example organization; the mutation tests apply them
 * to constructs built with a changed setting and expect them to fail.
 */

const refTo = (value: unknown): string | undefined =>
  (value as { Ref?: string })?.Ref ?? (value as { 'Fn::GetAtt'?: [string, string] })?.['Fn::GetAtt']?.[0];

/** A standard job queue: visibility 30 min, its own DLQ after 3 receives, KMS, TLS-only, DLQ depth alarm. */
export const expectJobQueue = (template: Template, queueName: string): void => {
  const queueId = logicalIdOf(template, 'AWS::SQS::Queue', (p) => p.QueueName === queueName);
  const dlqId = logicalIdOf(template, 'AWS::SQS::Queue', (p) => p.QueueName === `${queueName}-dlq`);
  const queues = template.findResources('AWS::SQS::Queue');
  const queue = queues[queueId]?.Properties;
  const dlq = queues[dlqId]?.Properties;
  expect(queue.FifoQueue, 'a standard queue').toBeUndefined();
  expect(queue.VisibilityTimeout, 'visibility timeout of 30 minutes').toBe(1800);
  expect(queue.RedrivePolicy?.maxReceiveCount, 'DLQ after 3 receives').toBe(3);
  expect(refTo(queue.RedrivePolicy?.deadLetterTargetArn), 'its own dead-letter queue').toBe(dlqId);
  for (const q of [queue, dlq]) expect(q.KmsMasterKeyId, 'encrypted at rest with KMS').toBeDefined();
  for (const id of [queueId, dlqId]) {
    const policy = propertiesOf(template, 'AWS::SQS::QueuePolicy').find((p) =>
      (p.Queues as unknown[]).some((q) => refTo(q) === id),
    );
    expect(policy, `a queue policy on ${id}`).toBeDefined();
    expect(policy?.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 'sqs:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  }
  const alarms = propertiesOf(template, 'AWS::CloudWatch::Alarm').filter((a) =>
    (a.Dimensions ?? []).some((d: { Value: unknown }) => refTo(d.Value) === dlqId),
  );
  expect(alarms, 'an alarm on the DLQ depth').toHaveLength(1);
  expect(alarms[0]).toMatchObject({
    MetricName: 'ApproximateNumberOfMessagesVisible',
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 0,
  });
  expect(alarms[0]?.AlarmActions?.length, 'the alarm notifies someone').toBeGreaterThan(0);
};

/** Alarms whose first action is a scaling policy of the given type (Auto Scaling or Application Auto Scaling). */
const scalingAlarms = (template: Template, policyType: string) => {
  const policies = template.findResources(policyType);
  return propertiesOf(template, 'AWS::CloudWatch::Alarm').filter((a) => (refTo(a.AlarmActions?.[0]) ?? '') in policies);
};

/** Scale-out as soon as one message is visible, evaluated every minute. */
export const expectScaleOutOnVisibleMessages = (template: Template, policyType: string): void => {
  const alarm = scalingAlarms(template, policyType).find((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
  expect(alarm, 'a scale-out alarm on ApproximateNumberOfMessagesVisible').toBeDefined();
  expect(alarm).toMatchObject({
    ComparisonOperator: 'GreaterThanThreshold',
    Threshold: 0,
    EvaluationPeriods: 1,
    Period: 60,
  });
  const policy = template.findResources(policyType)[refTo(alarm?.AlarmActions?.[0]) as string]?.Properties;
  const adjustmentType = policy?.AdjustmentType ?? policy?.StepScalingPolicyConfiguration?.AdjustmentType;
  expect(adjustmentType, 'the alarm adds capacity').toBe('ChangeInCapacity');
};

/** Scale to zero only when nothing has been waiting or in flight for `minutes` consecutive minutes. */
export const expectScaleToZeroAfterEmptyMinutes = (template: Template, policyType: string, minutes = 5): void => {
  const alarm = scalingAlarms(template, policyType).find((a) =>
    (a.Metrics ?? []).some((m: { Expression?: string }) => m.Expression === 'visible + inFlight'),
  );
  expect(alarm, 'a scale-in alarm on messages waiting or in flight').toBeDefined();
  expect(alarm).toMatchObject({
    ComparisonOperator: 'LessThanOrEqualToThreshold',
    Threshold: 0,
    EvaluationPeriods: minutes,
    DatapointsToAlarm: minutes,
  });
  const periods = ((alarm?.Metrics ?? []) as Array<{ MetricStat?: { Period: number; Metric: { MetricName: string } } }>)
    .filter((m) => m.MetricStat)
    .map((m) => [m.MetricStat?.Metric.MetricName, m.MetricStat?.Period]);
  expect(periods).toEqual(
    expect.arrayContaining([
      ['ApproximateNumberOfMessagesVisible', 60],
      ['ApproximateNumberOfMessagesNotVisible', 60],
    ]),
  );
  const policy = template.findResources(policyType)[refTo(alarm?.AlarmActions?.[0]) as string]?.Properties;
  const config = policy?.StepScalingPolicyConfiguration ?? policy;
  expect(config?.AdjustmentType, 'the alarm sets an exact capacity').toBe('ExactCapacity');
  expect(config?.StepAdjustments).toEqual([{ MetricIntervalUpperBound: 0, ScalingAdjustment: 0 }]);
};

/** Every launch template: IMDSv2 required, encrypted volumes, no public IP. */
export const expectHardenedLaunchTemplates = (template: Template): void => {
  const templates = propertiesOf(template, 'AWS::EC2::LaunchTemplate');
  expect(templates.length).toBeGreaterThan(0);
  for (const { LaunchTemplateData: data } of templates) {
    expect(data.MetadataOptions?.HttpTokens, 'IMDSv2 required').toBe('required');
    expect(data.BlockDeviceMappings.length).toBeGreaterThan(0);
    for (const mapping of data.BlockDeviceMappings) expect(mapping.Ebs?.Encrypted, 'encrypted volume').toBe(true);
    expect(data.NetworkInterfaces?.[0]?.AssociatePublicIpAddress, 'no public IP').toBe(false);
  }
};
