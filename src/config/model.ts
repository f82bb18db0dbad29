import type { CustomerFile, OrganizationFile } from './schema.js';

/** A validated customer, with the file it came from (for error messages and the report). */
export interface Customer extends CustomerFile {
  readonly file: string;
}

/** A customer with its own AWS account, VPC and database. */
export interface DedicatedCustomer extends Customer {
  readonly tier: 'dedicated';
  readonly vpcCidr: string;
  readonly database: { readonly min: number; readonly max: number };
}

/** The validated organization: what every stack is built from. */
export interface Blueprint {
  /** Folder the blueprint was loaded from. */
  readonly rootDir: string;
  readonly organization: OrganizationFile['organization'];
  readonly sharedCompute: OrganizationFile['sharedCompute'];
  readonly pooledData: OrganizationFile['pooledData'];
  /** Sorted by slug, so everything derived from the list is deterministic. */
  readonly customers: readonly Customer[];
}

export const isDedicated = (c: Customer): c is DedicatedCustomer => c.tier === 'dedicated';

export const dedicatedCustomers = (bp: Blueprint): DedicatedCustomer[] => bp.customers.filter(isDedicated);

export const pooledCustomers = (bp: Blueprint): Customer[] => bp.customers.filter((c) => c.tier === 'pooled');
