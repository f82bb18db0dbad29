/**
 * Where the customer directory lives: SSM parameter names that the stacks
 * write and the services read. No CDK here (the Lambda bundles import it).
 *
 * Two halves, because no single place knows everything at synth:
 * - the shared compute account knows, from the blueprint, which account and
 *   region hold each customer (`/panops/customers/<customer id>`, one
 *   parameter per customer, written by the directory shard stacks);
 * - each data account knows the names CloudFormation gave its bucket, key
 *   and cluster (`/panops/customer/...` in a dedicated customer's account,
 *   `/panops/pooled/...` in the pooled-data account), and its data-access
 *   role may read exactly that path.
 */
export const DIRECTORY_PARAMETERS = {
  /** Prefix of the shared compute account's entries; one String parameter per customer. */
  entriesPrefix: '/panops/customers/',
  /** Root of the locations a dedicated customer account publishes about itself. */
  customerRoot: '/panops/customer/',
  /** Root of the locations the pooled-data stack publishes (shared by every pooled customer). */
  pooledRoot: '/panops/pooled/',
} as const;

/** The leaves under a data account's root: one String parameter each. */
export const LOCATION_LEAVES = {
  /** Name of the archive bucket. */
  archiveBucket: 'archive/bucket',
  /** ARN of the key every archive object is encrypted with (SSE-KMS on each PUT). */
  archiveKeyArn: 'archive/kms-key-arn',
  /** Writer endpoint of the Aurora cluster. */
  databaseEndpoint: 'database/endpoint',
  /** PostgreSQL port. */
  databasePort: 'database/port',
  /** Database name. */
  databaseName: 'database/name',
  /** Login role of the workloads. */
  databaseUser: 'database/user',
  /** How that role logs in: `iam` (an IAM authentication token signed with the data-access session). */
  databaseAuth: 'database/auth',
} as const;

export type LocationLeaf = keyof typeof LOCATION_LEAVES;

/** The parameter name of one customer's entry in the shared compute account. */
export const directoryEntryName = (customerId: string): string =>
  `${DIRECTORY_PARAMETERS.entriesPrefix}${customerId.toLowerCase()}`;

/** Full parameter names of the location leaves under a root. */
export const locationParameterNames = (root: string): Readonly<Record<LocationLeaf, string>> =>
  Object.fromEntries(
    (Object.keys(LOCATION_LEAVES) as LocationLeaf[]).map((leaf) => [leaf, `${root}${LOCATION_LEAVES[leaf]}`]),
  ) as Record<LocationLeaf, string>;

/**
 * The IAM resource ARN of every parameter under a root (or prefix): SSM
 * parameter ARNs drop the name's leading slash (`parameter/panops/...`).
 */
export const parameterPathArn = (partition: string, region: string, account: string, root: string): string =>
  `arn:${partition}:ssm:${region}:${account}:parameter/${root.replace(/^\//, '')}*`;
