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
export const SCHEDULES_PER_CONNECTOR = 2; // at most: a poll (none for a push-only platform) and a reconcile

/** Where the schedules deliver, by runtime, and with which role. */
export interface ScheduleTargets {
  /** ARN of the target per runtime: the poller Lambda, or the connector-jobs queue. */
  readonly arnFor: Readonly<Record<PollRuntime, string>>;
  /** Role EventBridge Scheduler assumes to deliver (it may invoke the Lambda and send to the queues). */
  readonly roleArn: string;
  /** Where a job goes when every retry failed. */
  readonly deadLetterQueueArn: string;
}

/** A set of schedules: one or more per plan, delivered to `targets`. */
export interface ScheduleSetProps<Plan> {
  readonly plans: readonly Plan[];
  readonly targets: ScheduleTargets;
  /** Flexible time window, minutes (0 turns it off); the blueprint's `schedule.jitterWindowMinutes`. */
  readonly jitterWindowMinutes: number;
}

export type ConnectorSchedulesProps = ScheduleSetProps<ConnectorSchedulePlan>;

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
    const delivered = (owner: Construct, plan: ConnectorSchedulePlan, schedule: DeliveredSchedule) =>
      deliveredSchedule(owner, `${plan.customer.slug}-${plan.connectorId}`, props, schedule);
    this.schedules = props.plans.flatMap((plan) =>
      plan.runtime === undefined
        ? []
        : [
            delivered(this, plan, {
              description: `Poll ${plan.platform} connector ${plan.connectorId} of ${plan.customer.slug} every ${plan.intervalHours} h`,
              expression: plan.expression,
              targetArn: props.targets.arnFor[plan.runtime],
              input: scheduledJobInput(plan),
            }),
          ],
    );
    const reconcile = new Construct(this, 'Reconcile');
    this.reconcileSchedules = props.plans.map((plan) =>
      delivered(reconcile, plan, {
        description: `Reconcile ${plan.platform} connector ${plan.connectorId} of ${plan.customer.slug} daily`,
        expression: plan.reconcileExpression,
        targetArn: props.targets.arnFor.fargate,
        input: scheduledReconcileInput(plan),
      }),
    );
  }
}

/** What differs between the schedules of the shared compute account: the rest is {@link deliveredSchedule}'s. */
export interface DeliveredSchedule {
  readonly description: string;
  readonly expression: string;
  readonly targetArn: string;
  /** The job (JSON) the schedule delivers. */
  readonly input: string;
}

/**
 * One EventBridge Scheduler schedule in UTC, with the blueprint's flexible window, delivering its job with the
 * scheduler role, the retry policy and the dead-letter queue every schedule shares.
 */
export const deliveredSchedule = (
  scope: Construct,
  id: string,
  settings: { readonly targets: ScheduleTargets; readonly jitterWindowMinutes: number },
  schedule: DeliveredSchedule,
): CfnSchedule => {
  const window = settings.jitterWindowMinutes;
  return new CfnSchedule(scope, id, {
    description: schedule.description,
    scheduleExpression: schedule.expression,
    scheduleExpressionTimezone: 'UTC',
    state: 'ENABLED',
    flexibleTimeWindow: window > 0 ? { mode: 'FLEXIBLE', maximumWindowInMinutes: window } : { mode: 'OFF' },
    target: {
      arn: schedule.targetArn,
      roleArn: settings.targets.roleArn,
      input: schedule.input,
      deadLetterConfig: { arn: settings.targets.deadLetterQueueArn },
      retryPolicy: { ...SCHEDULE_RETRY_POLICY },
    },
  });
};
