import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { type DispositionSchedulePlan, scheduledDispositionInput } from '../schedule-plan.js';
import { SCHEDULE_RETRY_POLICY, type ScheduleTargets } from './connector-schedules.js';

export interface DispositionSchedulesProps {
  readonly plans: readonly DispositionSchedulePlan[];
  readonly targets: ScheduleTargets;
  /** Flexible time window, minutes (0 turns it off); the blueprint's `schedule.jitterWindowMinutes`. */
  readonly jitterWindowMinutes: number;
}

/**
 * One EventBridge Scheduler schedule per customer: its daily retention
 * disposition, delivered to the connector-jobs queue (the Fargate workers),
 * with the connectors' retry policy and dead-letter queue.
 */
export class DispositionSchedules extends Construct {
  readonly schedules: readonly CfnSchedule[];

  constructor(scope: Construct, id: string, props: DispositionSchedulesProps) {
    super(scope, id);
    const window = props.jitterWindowMinutes;
    this.schedules = props.plans.map(
      (plan) =>
        new CfnSchedule(this, plan.customer.slug, {
          description: `Daily retention disposition of ${plan.customer.slug}`,
          scheduleExpression: plan.expression,
          scheduleExpressionTimezone: 'UTC',
          state: 'ENABLED',
          flexibleTimeWindow: window > 0 ? { mode: 'FLEXIBLE', maximumWindowInMinutes: window } : { mode: 'OFF' },
          target: {
            arn: props.targets.arnFor.fargate,
            roleArn: props.targets.roleArn,
            input: scheduledDispositionInput(plan),
            deadLetterConfig: { arn: props.targets.deadLetterQueueArn },
            retryPolicy: { ...SCHEDULE_RETRY_POLICY },
          },
        }),
    );
  }
}
