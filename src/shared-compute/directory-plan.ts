import { createHash } from 'node:crypto';
import { type Blueprint, dedicatedCustomers, pooledCustomers, ROLE_NAMES, roleArn } from '../config/index.js';
import { POOLED_DATA } from '../contracts/pooled-data.js';
import type { DirectoryEntry } from '../services/directory/customer-directory.js';

/**
 * How the directory entries are spread over stacks. Entry names are fixed
 * (`/panops/customers/<id>`: the workers look them up by name), so an entry
 * must never move between stacks: CloudFormation would create it in the new
 * stack before deleting it from the old one, and SSM refuses a second
 * parameter of the same name. Shards are therefore keyed by a hash of the
 * customer id (stable, and even whatever the ids look like: sequential test
 * ids, time-ordered UUIDv7), never by position in a list.
 */
export const DIRECTORY_SHARDING = {
  /** Shards, keyed by one hex digit of the id's hash: 16 of at most `entriesPerStack`. Measured: 6,500 random ids fill the fullest to ~450, so about 6,000 customers (synth refuses past it, naming the limit). */
  shardKeys: '0123456789abcdef',
  /** Entries per shard stack, each one resource, under CloudFormation's 500. */
  entriesPerStack: 450,
  /**
   * Entries CloudFormation creates at once (DependsOn lanes): SSM's
   * PutParameter is throttled at a few calls per second per account.
   */
  concurrentWrites: 3,
} as const;

/**
 * One entry per customer that a worker can reach: dedicated customers once
 * their account exists (before that there is nothing to reach), pooled
 * customers when the blueprint declares the pooled cluster. From the
 * blueprint, at synth; a customer missing here is `CustomerNotFound` at run time.
 */
export const directoryEntries = (blueprint: Blueprint): DirectoryEntry[] => {
  const region = blueprint.organization.homeRegion;
  const pooledAccount = blueprint.pooledData
    ? (blueprint.pooledData.accountId ?? blueprint.sharedCompute.accountId)
    : undefined;
  const pooledLocation = pooledAccount
    ? { accountId: pooledAccount, region, dataAccessRoleArn: roleArn(pooledAccount, POOLED_DATA.dataAccessRole) }
    : undefined;
  const dedicated = dedicatedCustomers(blueprint).flatMap((c): DirectoryEntry[] =>
    c.accountId
      ? [
          {
            version: 1,
            customerId: c.id.toLowerCase(),
            slug: c.slug,
            tier: 'dedicated',
            accountId: c.accountId,
            region,
            dataAccessRoleArn: roleArn(c.accountId, ROLE_NAMES.customerDataAccess),
            // A promotion keeps the rows in the pool until its route switches: the workers must find them there.
            ...(pooledLocation ? { pooled: pooledLocation } : {}),
          },
        ]
      : [],
  );
  const pooled = pooledAccount
    ? pooledCustomers(blueprint).map(
        (c): DirectoryEntry => ({
          version: 1,
          customerId: c.id.toLowerCase(),
          slug: c.slug,
          tier: 'pooled',
          accountId: pooledAccount,
          region,
          dataAccessRoleArn: roleArn(pooledAccount, POOLED_DATA.dataAccessRole),
        }),
      )
    : [];
  return [...dedicated, ...pooled].sort((a, b) => a.customerId.localeCompare(b.customerId));
};

/** The shard key of a customer: the first hex digit of the SHA-256 of its (lower-case) id. */
export const directoryShardOf = (customerId: string): string =>
  createHash('sha256').update(customerId.toLowerCase()).digest('hex').charAt(0);

/** Entries by shard key, only the shards that have entries, in key order. */
export const directoryShards = (entries: readonly DirectoryEntry[]): [string, DirectoryEntry[]][] =>
  [...DIRECTORY_SHARDING.shardKeys]
    .map((key): [string, DirectoryEntry[]] => [key, entries.filter((e) => directoryShardOf(e.customerId) === key)])
    .filter(([, shard]) => shard.length > 0);
