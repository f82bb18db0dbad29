import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Blueprint } from '../config/index.js';

export interface OrganizationStackProps extends StackProps {
  readonly blueprint: Blueprint;
}

/** The management account: OUs, SCPs, Control Tower, customer accounts. */
export class OrganizationStack extends Stack {
  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, props);
  }
}
