import { type CfnResource, RemovalPolicy } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-organizations';
import { Construct } from 'constructs';
import { chainInLanes } from '../../common/dependency-lanes.js';
import type { Blueprint, DedicatedCustomer } from '../../config/index.js';
import { AWS_LIMITS, dedicatedCustomers, TAG_KEYS } from '../../config/index.js';
import type { OrganizationalUnits } from '../organizational-units.js';

/** The role Organizations creates in a new account; Control Tower enrolls an account through it. */
export const ACCOUNT_ACCESS_ROLE = 'AWSControlTowerExecution';

/** Cost-allocation and ownership tags of a customer's account (and, through the stacks, its resources). */
export const customerAccountTags = (customer: DedicatedCustomer): Record<string, string> => ({
  [TAG_KEYS.customerId]: customer.id,
  [TAG_KEYS.customerSlug]: customer.slug,
  ...(customer.environment ? { [TAG_KEYS.environment]: customer.environment } : {}),
  ...(customer.dataClassification ? { [TAG_KEYS.dataClassification]: customer.dataClassification } : {}),
});

export interface CustomerAccountsProps {
  readonly blueprint: Blueprint;
  readonly units: OrganizationalUnits;
  /** Account creations CloudFormation runs at once. @default AWS_LIMITS.controlTowerConcurrentOperations / 2 */
  readonly concurrentCreations?: number;
}

/**
 * An `AWS::Organizations::Account` for every dedicated customer that the
 * blueprint knows only by email: created in the Quarantine OU, where the
 * quarantine SCP holds it until its baseline (Control Tower enrollment, CDK
 * bootstrap) is applied. `npx projen vend --release` then moves it to its
 * Customers OU and writes its id into the customer file; from then on the
 * account is no longer declared here (it is retained, never closed, and the
 * drift command watches its OU).
 */
export class CustomerAccounts extends Construct {
  /** Customer slug → the account being created for it. */
  readonly bySlug: ReadonlyMap<string, CfnAccount>;

  constructor(scope: Construct, id: string, props: CustomerAccountsProps) {
    super(scope, id);
    const bySlug = new Map<string, CfnAccount>();
    for (const customer of dedicatedCustomers(props.blueprint)) {
      if (customer.accountId || !customer.accountEmail) continue;
      const account = new CfnAccount(this, `Account-${customer.slug}`, {
        accountName: `PanOps ${customer.displayName}`,
        email: customer.accountEmail,
        roleName: ACCOUNT_ACCESS_ROLE,
        parentIds: [props.units.ou('quarantine').attrId],
        tags: Object.entries(customerAccountTags(customer)).map(([key, value]) => ({ key, value })),
      });
      // Removing a customer file must never close a regulated customer's account.
      account.applyRemovalPolicy(RemovalPolicy.RETAIN);
      bySlug.set(customer.slug, account);
    }
    const lanes = props.concurrentCreations ?? Math.floor(AWS_LIMITS.controlTowerConcurrentOperations / 2);
    chainInLanes([...bySlug.values()] as CfnResource[], lanes);
    this.bySlug = bySlug;
  }
}
