import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import {
  type ConnectorSchedulePlan,
  type PollRuntime,
  scheduledJobInput,
  scheduledReconcileInput,
} from '../schedule-plan.js';

/** Retry policy of every connector schedule: a missed poll is retried for an hour, then dead-lettered. */
export const SCHEDULE_RETRY_POLICY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3_600 } as const;

/** Schedules per connector: its poll, and its daily reconcile. */
export const SCHEDULES_PER_CONNECTOR = 2;

/** Where the schedules deliver, by runtime, and with which role. */
export interface ScheduleTargets {
  /** ARN of the target per runtime: the poller Lambda, or the connector-jobs queue. */
  readonly arnFor: Readonly<Record<PollRuntime, string>>;
  /** Role EventBridge Scheduler assumes to deliver (it may invoke the Lambda and send to the queues). */
  readonly roleArn: string;
  /** Where a job goes when every retry failed. */
  readonly deadLetterQueueArn: string;
}

export interface ConnectorSchedulesProps {
  readonly plans: readonly ConnectorSchedulePlan[];
  readonly targets: ScheduleTargets;
  /** Flexible time window, minutes (0 turns it off); the blueprint's `schedule.jitterWindowMinutes`. */
  readonly jitterWindowMinutes: number;
}

/**
 * One EventBridge Scheduler schedule per connector: the connector's own
 * minute in each interval (a deterministic offset from its id) plus a
 * flexible window, delivering a connector job to the poller Lambda or the
 * connector-jobs queue, with a retry policy and a dead-letter queue.
 * Schedule names are left to CloudFormation, so a schedule can move between
 * shard stacks without a name collision.
 */
export class ConnectorSchedules extends Construct {
  readonly schedules: readonly CfnSchedule[];
  /**
   * One daily reconcile per connector (the provider's listing against the archive, whose ArchiveGaps metric the
   * ReconcileGaps alarm watches), delivered through the connector-jobs queue like the Fargate polls.
   */
  readonly reconcileSchedules: readonly CfnSchedule[];

  constructor(scope: Construct, id: string, props: ConnectorSchedulesProps) {
    super(scope, id);
    const window = props.jitterWindowMinutes;
    this.schedules = props.plans.map(
      (plan) =>
        new CfnSchedule(this, `${plan.customer.slug}-${plan.connectorId}`, {
          description: `Poll ${plan.platform} connector ${plan.connectorId} of ${plan.customer.slug} every ${plan.intervalHours} h`,
          scheduleExpression: plan.expression,
          scheduleExpressionTimezone: 'UTC',
          state: 'ENABLED',
          flexibleTimeWindow: window > 0 ? { mode: 'FLEXIBLE', maximumWindowInMinutes: window } : { mode: 'OFF' },
          target: {
            arn: props.targets.arnFor[plan.runtime],
            roleArn: props.targets.roleArn,
            input: scheduledJobInput(plan),
            deadLetterConfig: { arn: props.targets.deadLetterQueueArn },
            retryPolicy: { ...SCHEDULE_RETRY_POLICY },
          },
        }),
    );
    const reconcile = new Construct(this, 'Reconcile');
    this.reconcileSchedules = props.plans.map(
      (plan) =>
        new CfnSchedule(reconcile, `${plan.customer.slug}-${plan.connectorId}`, {
          description: `Reconcile ${plan.platform} connector ${plan.connectorId} of ${plan.customer.slug} daily`,
          scheduleExpression: plan.reconcileExpression,
          scheduleExpressionTimezone: 'UTC',
          state: 'ENABLED',
          flexibleTimeWindow: window > 0 ? { mode: 'FLEXIBLE', maximumWindowInMinutes: window } : { mode: 'OFF' },
          target: {
            arn: props.targets.arnFor.fargate,
            roleArn: props.targets.roleArn,
            input: scheduledReconcileInput(plan),
            deadLetterConfig: { arn: props.targets.deadLetterQueueArn },
            retryPolicy: { ...SCHEDULE_RETRY_POLICY },
          },
        }),
    );
  }
}
