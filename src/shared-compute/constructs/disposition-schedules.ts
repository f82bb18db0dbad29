import type { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { type DispositionSchedulePlan, scheduledDispositionInput } from '../schedule-plan.js';
import { deliveredSchedule, type ScheduleSetProps } from './connector-schedules.js';

export type DispositionSchedulesProps = ScheduleSetProps<DispositionSchedulePlan>;

/**
 * One EventBridge Scheduler schedule per customer: its daily retention
 * disposition, delivered to the connector-jobs queue (the Fargate workers),
 * with the connectors' retry policy and dead-letter queue.
 */
export class DispositionSchedules extends Construct {
  readonly schedules: readonly CfnSchedule[];

  constructor(scope: Construct, id: string, props: DispositionSchedulesProps) {
    super(scope, id);
    this.schedules = props.plans.map((plan) =>
      deliveredSchedule(this, plan.customer.slug, props, {
        description: `Daily retention disposition of ${plan.customer.slug}`,
        expression: plan.expression,
        targetArn: props.targets.arnFor.fargate,
        input: scheduledDispositionInput(plan),
      }),
    );
  }
}
