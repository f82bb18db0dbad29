import { Stack, type StackProps } from 'aws-cdk-lib';
import type { IVpc } from 'aws-cdk-lib/aws-ec2';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { DedicatedCustomer } from '../config/index.js';
import { ConnectorSchedules, type ScheduleTargets } from './constructs/connector-schedules.js';
import { DispositionSchedules } from './constructs/disposition-schedules.js';
import { PeeringRoutes } from './constructs/peering-routes.js';
import type { ConnectorSchedulePlan, DispositionSchedulePlan } from './schedule-plan.js';

export interface ConnectorSchedulesStackProps extends StackProps {
  readonly plans: readonly ConnectorSchedulePlan[];
  readonly targets: ScheduleTargets;
  readonly jitterWindowMinutes: number;
}

/** One shard of connector schedules (at most `SHARDING.schedulesPerStack`), in the shared compute account. */
export class ConnectorSchedulesStack extends Stack {
  readonly schedules: ConnectorSchedules;

  constructor(scope: Construct, id: string, props: ConnectorSchedulesStackProps) {
    super(scope, id, props);
    this.schedules = new ConnectorSchedules(this, 'Schedules', {
      plans: props.plans,
      targets: props.targets,
      jitterWindowMinutes: props.jitterWindowMinutes,
    });
  }
}

export interface DispositionSchedulesStackProps extends StackProps {
  readonly plans: readonly DispositionSchedulePlan[];
  readonly targets: ScheduleTargets;
  readonly jitterWindowMinutes: number;
}

/** One shard of daily disposition schedules (at most `SHARDING.schedulesPerStack` customers), in shared compute. */
export class DispositionSchedulesStack extends Stack {
  readonly schedules: DispositionSchedules;

  constructor(scope: Construct, id: string, props: DispositionSchedulesStackProps) {
    super(scope, id, props);
    this.schedules = new DispositionSchedules(this, 'Schedules', {
      plans: props.plans,
      targets: props.targets,
      jitterWindowMinutes: props.jitterWindowMinutes,
    });
  }
}

export interface PeeringRoutesStackProps extends StackProps {
  readonly vpc: IVpc;
  readonly routeTableIds: readonly string[];
  readonly customers: readonly DedicatedCustomer[];
  readonly logKey: IKey;
}

/**
 * One shard of peering routes (at most `SHARDING.peeredCustomersPerStack`
 * customers). Deployed after its customers' stacks, whose peering requests it
 * routes to.
 */
export class PeeringRoutesStack extends Stack {
  readonly peeringRoutes: PeeringRoutes;

  constructor(scope: Construct, id: string, props: PeeringRoutesStackProps) {
    super(scope, id, props);
    this.peeringRoutes = new PeeringRoutes(this, 'PeeringRoutes', {
      vpc: props.vpc,
      routeTableIds: props.routeTableIds,
      customers: props.customers,
      logKey: props.logKey,
    });
  }
}
