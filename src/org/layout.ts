import type { Blueprint, DedicatedCustomer } from '../config/index.js';
import { AWS_LIMITS, dedicatedCustomers } from '../config/index.js';
import type { ControlOuRole } from './control-tower/control-catalog.js';

/**
 * The organization the blueprint asks for, as plain data: which OUs exist,
 * where each account belongs, and where each SCP is attached. The org stack
 * builds it and the drift command compares the live organization with it, so
 * the two can never disagree about the layout.
 */

/** Attachment targets named in `policies/scp/attachments.json`. */
export type ScpTarget = 'root' | 'infrastructure' | 'customers' | 'quarantine';

export interface PlannedOu {
  /** Stable key: `security`, `infrastructure`, `customers`, `customers-1`, ..., `quarantine`. */
  readonly key: string;
  /** The OU's name in AWS Organizations. */
  readonly name: string;
  /** Key of the parent OU, or `root`. */
  readonly parent: string;
  /** The control-catalog role whose controls this OU gets (`undefined`: none, it holds no accounts). */
  readonly controlRole: ControlOuRole | undefined;
  /** SCP targets this OU stands for (`customers` SCPs attach to the Customers parent and reach its shards by inheritance). */
  readonly scpTarget: ScpTarget | undefined;
  /** Created and registered by the landing zone itself (the Security OU), not by the org stack. */
  readonly ownedByLandingZone: boolean;
}

/** Where one account belongs. */
export interface PlannedAccount {
  /** The account id; absent while the account is still to be vended. */
  readonly accountId?: string;
  /** The email the account is (to be) created with, for customers that have one. */
  readonly email?: string;
  readonly name: string;
  /** Key of the OU the account belongs in now. */
  readonly ou: string;
  /** The customer's slug, for customer accounts. */
  readonly customer?: string;
}

export interface OrganizationLayout {
  readonly ous: readonly PlannedOu[];
  readonly accounts: readonly PlannedAccount[];
  /** Customer slug → the Customers shard OU its account is released into. */
  readonly customerShard: ReadonlyMap<string, string>;
}

export const DEFAULT_QUARANTINE_OU = 'Quarantine';

/** The OU names of the blueprint, the quarantine OU defaulted. */
export const ouNames = (blueprint: Blueprint) => {
  const names = blueprint.organization.organizationalUnits;
  return { ...names, quarantine: names.quarantine ?? DEFAULT_QUARANTINE_OU };
};

/**
 * Splits customer accounts over Customers shard OUs of at most `accountsPerOu`
 * accounts each, in slug order (deterministic; adding a customer that sorts
 * early moves later ones only when a shard is full, which at 1,000 accounts
 * per OU is far off).
 */
export const customerShards = (
  customers: readonly DedicatedCustomer[],
  accountsPerOu: number = AWS_LIMITS.accountsPerControlTowerOu,
): DedicatedCustomer[][] => {
  if (!Number.isInteger(accountsPerOu) || accountsPerOu < 1)
    throw new RangeError(`accountsPerOu must be a positive integer, got ${accountsPerOu}`);
  const sorted = [...customers].sort((a, b) => a.slug.localeCompare(b.slug));
  const shards: DedicatedCustomer[][] = [];
  for (let i = 0; i < sorted.length; i += accountsPerOu) shards.push(sorted.slice(i, i + accountsPerOu));
  return shards.length > 0 ? shards : [[]];
};

/** A dedicated customer whose account is still to be vended (email, no id): it waits in quarantine. */
export const isPendingAccount = (customer: DedicatedCustomer): boolean => !customer.accountId;

export const planOrganization = (
  blueprint: Blueprint,
  accountsPerOu: number = AWS_LIMITS.accountsPerControlTowerOu,
): OrganizationLayout => {
  const names = ouNames(blueprint);
  const shards = customerShards(dedicatedCustomers(blueprint), accountsPerOu);
  const ous: PlannedOu[] = [
    {
      // Created and registered by the landing zone; its id is not known to this stack.
      key: 'security',
      name: names.security,
      parent: 'root',
      controlRole: undefined,
      scpTarget: undefined,
      ownedByLandingZone: true,
    },
    {
      key: 'infrastructure',
      name: names.infrastructure,
      parent: 'root',
      controlRole: 'Infrastructure',
      scpTarget: 'infrastructure',
      ownedByLandingZone: false,
    },
    {
      key: 'customers',
      name: names.customers,
      parent: 'root',
      controlRole: undefined,
      scpTarget: 'customers',
      ownedByLandingZone: false,
    },
    ...shards.map((_, index) => ({
      key: `customers-${index + 1}`,
      name: `${names.customers}-${index + 1}`,
      parent: 'customers',
      controlRole: 'Customers' as const,
      scpTarget: undefined,
      ownedByLandingZone: false,
    })),
    {
      key: 'quarantine',
      name: names.quarantine,
      parent: 'root',
      controlRole: 'Quarantine',
      scpTarget: 'quarantine',
      ownedByLandingZone: false,
    },
  ];
  const customerShard = new Map<string, string>();
  shards.forEach((shard, index) => {
    for (const customer of shard) customerShard.set(customer.slug, `customers-${index + 1}`);
  });
  const { organization, sharedCompute, pooledData } = blueprint;
  const accounts: PlannedAccount[] = [
    { accountId: organization.logArchiveAccountId, name: 'Log Archive', ou: 'security' },
    { accountId: organization.auditAccountId, name: 'Audit', ou: 'security' },
    { accountId: sharedCompute.accountId, name: 'Shared Compute', ou: 'infrastructure' },
    ...(pooledData?.accountId && pooledData.accountId !== sharedCompute.accountId
      ? [{ accountId: pooledData.accountId, name: 'Pooled Data', ou: 'infrastructure' }]
      : []),
    ...shards.flat().map((customer) => ({
      ...(customer.accountId ? { accountId: customer.accountId } : {}),
      ...(customer.accountEmail ? { email: customer.accountEmail } : {}),
      name: customer.displayName,
      ou: isPendingAccount(customer) ? 'quarantine' : (customerShard.get(customer.slug) as string),
      customer: customer.slug,
    })),
  ];
  return { ous, accounts, customerShard };
};

/** The `panops-` name an SCP has in AWS Organizations, from its file name. */
export const scpName = (file: string): string => `panops-${file.replace(/\.json$/, '')}`;
