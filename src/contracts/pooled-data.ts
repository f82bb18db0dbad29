import { TAG_KEYS } from './names.js';

/**
 * Names the pooled data stack and the services must agree on (no CDK here:
 * the services import it). One pooled cluster per organization.
 */
export const POOLED_DATA = {
  /** CloudFormation stack id of the pooled cluster's stack. */
  stackName: 'PanOps-PooledData',
  /** Aurora cluster identifier (also names its exported log group). */
  clusterIdentifier: 'panops-pooled',
  /** Alias (without `alias/`) of the PanOps-managed key of the pooled tier. */
  keyAlias: 'panops/pooled-data',
  /** The role shared compute workloads assume, with a customer session tag, to reach one pooled customer's objects. */
  dataAccessRole: 'panops-pooled-data-access',
  /** The webhook handler's write-only role in the pooled tier (one customer per session, by the same session tag). */
  rawWriterRole: 'panops-pooled-webhook-raw-writer',
  /** Trail recording every object read and write in the pooled archive. */
  trailName: 'panops-pooled-data',
  /** Session tag that names the one customer a pooled-data session may touch. */
  sessionTag: TAG_KEYS.customerId,
  /** Key prefix under which every customer's objects live in the pooled archive. */
  customersPrefix: 'customers/',
} as const;

/** A UUID as an IAM `StringLike` pattern (36 characters, hyphens in place). */
export const UUID_GLOB = '????????-????-????-????-????????????';

/** The IAM policy variable holding the session's customer id. */
export const SESSION_CUSTOMER_VARIABLE = `\${aws:PrincipalTag/${POOLED_DATA.sessionTag}}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The pooled archive prefix of one customer: `customers/<customer id>/` (lower case, as the session tag carries it). */
export const pooledArchivePrefix = (customerId: string): string => {
  if (!UUID.test(customerId)) throw new RangeError(`pooledArchivePrefix: ${JSON.stringify(customerId)} is not a UUID`);
  return `${POOLED_DATA.customersPrefix}${customerId.toLowerCase()}/`;
};
