import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Blueprint, DedicatedCustomer } from '../config/index.js';

export interface CustomerStackProps extends StackProps {
  readonly blueprint: Blueprint;
  readonly customer: DedicatedCustomer;
}

/** One customer's own account: isolated VPC, customer key, archive bucket, Aurora, trail. */
export class CustomerStack extends Stack {
  constructor(scope: Construct, id: string, props: CustomerStackProps) {
    super(scope, id, props);
  }
}
