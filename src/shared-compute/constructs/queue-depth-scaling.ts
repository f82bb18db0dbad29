import { Duration } from 'aws-cdk-lib';
import {
  type AdjustmentTier as AppAdjustment,
  AdjustmentType as AppAdjustmentType,
  StepScalingAction as AppStepScalingAction,
  type IScalableTarget,
} from 'aws-cdk-lib/aws-applicationautoscaling';
import {
  type AdjustmentTier as AsgAdjustment,
  AdjustmentType as AsgAdjustmentType,
  StepScalingAction as AsgStepScalingAction,
  type IAutoScalingGroup,
} from 'aws-cdk-lib/aws-autoscaling';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { ApplicationScalingAction, AutoScalingAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The seed: a fleet goes back to zero when its queue has been empty for 5 minutes. */
export const EMPTY_MINUTES_BEFORE_SCALE_IN = 5;

/** How many workers to add while messages wait, by how many wait (lower bound of each step). */
export interface ScaleOutStep {
  readonly messagesAtLeast: number;
  readonly add: number;
}

export const DEFAULT_SCALE_OUT_STEPS: readonly ScaleOutStep[] = [
  { messagesAtLeast: 1, add: 1 },
  { messagesAtLeast: 10, add: 2 },
  { messagesAtLeast: 50, add: 4 },
];

export interface QueueDepthScalingProps {
  readonly queue: IQueue;
  /** Minutes the queue must be empty (nothing waiting, nothing in flight) before scaling to zero. @default 5 */
  readonly emptyMinutes?: number;
  /** @default DEFAULT_SCALE_OUT_STEPS */
  readonly scaleOutSteps?: readonly ScaleOutStep[];
  /** Time a new worker needs before it counts (GPU instances boot and load a model). */
  readonly cooldown: Duration;
  /** The fleet to scale: an Auto Scaling group, or an ECS service's scalable target. */
  readonly target: { readonly autoScalingGroup: IAutoScalingGroup } | { readonly scalableTarget: IScalableTarget };
}

/**
 * Queue-driven scaling to and from zero: one alarm scales out as soon as a
 * message is visible (ApproximateNumberOfMessagesVisible > 0, one minute);
 * another sets the capacity to zero only when nothing has been visible *or in
 * flight* for `emptyMinutes` consecutive minutes, so a worker is never taken
 * away in the middle of a job.
 */
export class QueueDepthScaling extends Construct {
  readonly scaleOutAlarm: Alarm;
  readonly scaleInAlarm: Alarm;

  constructor(scope: Construct, id: string, props: QueueDepthScalingProps) {
    super(scope, id);
    const emptyMinutes = props.emptyMinutes ?? EMPTY_MINUTES_BEFORE_SCALE_IN;
    const steps = props.scaleOutSteps ?? DEFAULT_SCALE_OUT_STEPS;
    const minute = Duration.minutes(1);
    this.scaleOutAlarm = new Alarm(this, 'MessagesWaiting', {
      alarmDescription: 'Jobs are waiting: add workers',
      metric: props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const backlog = new MathExpression({
      expression: 'visible + inFlight',
      usingMetrics: {
        visible: props.queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Maximum' }),
        inFlight: props.queue.metricApproximateNumberOfMessagesNotVisible({ period: minute, statistic: 'Maximum' }),
      },
      period: minute,
      label: 'Messages waiting or in flight',
    });
    this.scaleInAlarm = new Alarm(this, 'QueueEmpty', {
      alarmDescription: `Nothing waiting or in flight for ${emptyMinutes} minutes: scale to zero`,
      metric: backlog,
      comparisonOperator: ComparisonOperator.LESS_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 0,
      evaluationPeriods: emptyMinutes,
      datapointsToAlarm: emptyMinutes,
      treatMissingData: TreatMissingData.BREACHING,
    });
    // Step bounds are relative to the alarm threshold (0 messages); lower bounds are inclusive.
    const adjustments = steps.map((step, i) => ({
      lowerBound: i === 0 ? 0 : step.messagesAtLeast,
      upperBound: steps[i + 1]?.messagesAtLeast,
      adjustment: step.add,
    }));
    const out = this.stepAction(props, 'ScaleOut', 'change');
    for (const a of adjustments) out.addAdjustment(a);
    const toZero = this.stepAction(props, 'ScaleToZero', 'exact');
    toZero.addAdjustment({ upperBound: 0, adjustment: 0 });
    this.scaleOutAlarm.addAlarmAction(out.alarmAction);
    this.scaleInAlarm.addAlarmAction(toZero.alarmAction);
  }

  /**
   * A step scaling policy on the fleet, whichever kind it is (EC2 Auto Scaling or Application Auto Scaling
   * have twin APIs): `change` adds capacity (with the fleet's cooldown), `exact` sets it.
   */
  private stepAction(props: QueueDepthScalingProps, id: string, kind: 'change' | 'exact') {
    const { target } = props;
    if ('autoScalingGroup' in target) {
      const action = new AsgStepScalingAction(this, id, {
        autoScalingGroup: target.autoScalingGroup,
        adjustmentType: kind === 'exact' ? AsgAdjustmentType.EXACT_CAPACITY : AsgAdjustmentType.CHANGE_IN_CAPACITY,
        ...(kind === 'change' ? { estimatedInstanceWarmup: props.cooldown } : {}),
      });
      return {
        addAdjustment: (a: AsgAdjustment) => action.addAdjustment(a),
        alarmAction: new AutoScalingAction(action),
      };
    }
    const action = new AppStepScalingAction(this, id, {
      scalingTarget: target.scalableTarget,
      adjustmentType: kind === 'exact' ? AppAdjustmentType.EXACT_CAPACITY : AppAdjustmentType.CHANGE_IN_CAPACITY,
      ...(kind === 'change' ? { cooldown: props.cooldown } : {}),
    });
    return {
      addAdjustment: (a: AppAdjustment) => action.addAdjustment(a),
      alarmAction: new ApplicationScalingAction(action),
    };
  }
}
