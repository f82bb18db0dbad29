import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AWS_LIMITS } from '../config/index.js';
import type { DirectoryEntry } from '../services/directory/customer-directory.js';
import { CustomerDirectoryEntries } from './constructs/customer-directory-entries.js';
import { DIRECTORY_SHARDING } from './directory-plan.js';

export interface CustomerDirectoryStackProps extends StackProps {
  /** The entries of one shard (`directoryShardOf`: customers whose id hashes to one hex digit). */
  readonly entries: readonly DirectoryEntry[];
}

/**
 * One shard of the customer directory in the shared compute account. The
 * core stack never grows with customers; the entries live here, one
 * parameter each, in shards that a customer never leaves.
 */
export class CustomerDirectoryStack extends Stack {
  readonly directory: CustomerDirectoryEntries;

  constructor(scope: Construct, id: string, props: CustomerDirectoryStackProps) {
    super(scope, id, props);
    // One resource per entry: the shard's share of the 500-resource limit, with room left under it.
    if (props.entries.length > DIRECTORY_SHARDING.entriesPerStack)
      throw new RangeError(
        `${id} would hold ${props.entries.length} directory entries, over ${DIRECTORY_SHARDING.entriesPerStack} per shard (the limit of ${AWS_LIMITS.resourcesPerStack} resources per CloudFormation stack)`,
      );
    this.directory = new CustomerDirectoryEntries(this, 'Entries', {
      entries: props.entries,
      concurrentWrites: DIRECTORY_SHARDING.concurrentWrites,
    });
  }
}
