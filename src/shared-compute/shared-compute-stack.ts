import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Blueprint } from '../config/index.js';

export interface SharedComputeStackProps extends StackProps {
  readonly blueprint: Blueprint;
}

/** The shared compute account: connector workers, queues, schedules, GPU fleets, NAT. */
export class SharedComputeStack extends Stack {
  constructor(scope: Construct, id: string, props: SharedComputeStackProps) {
    super(scope, id, props);
  }
}
