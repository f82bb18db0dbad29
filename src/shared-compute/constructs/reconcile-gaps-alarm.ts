import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RECONCILE_METRIC } from '../../contracts/reconcile.js';

export interface ReconcileGapsAlarmProps {
  readonly alarmTopic: ITopic;
}

/**
 * Completeness in AWS: the reconcile run publishes `ArchiveGaps` (messages a
 * provider lists that the archive lacks) as an embedded-metric-format log line,
 * once per customer and once without dimensions; this alarm fires on the
 * dimensionless figure as soon as any run finds a gap. A day without runs is
 * not a gap (missing data is not breaching): the run's own schedule alarms on failure.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 */
export class ReconcileGapsAlarm extends Construct {
  readonly metric: Metric;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: ReconcileGapsAlarmProps) {
    super(scope, id);
    this.metric = new Metric({
      namespace: RECONCILE_METRIC.namespace,
      metricName: RECONCILE_METRIC.gapsMetricName,
      statistic: 'Maximum',
      period: Duration.hours(1),
    });
    this.alarm = new Alarm(this, 'Alarm', {
      alarmDescription: 'Reconcile found messages a provider lists that the archive does not hold: investigate the gap',
      metric: this.metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new SnsAction(props.alarmTopic));
  }
}
