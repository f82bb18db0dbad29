/**
 * Names that two stacks in different accounts must agree on without a
 * cross-account reference: IAM role names, tag keys. Role ARNs are built from
 * an account id and one of these names, so a stack can name a role in another
 * account before that role exists.
 */
export const ROLE_NAMES = {
  /** Shared compute (and pooled data) account: assumed by customer accounts to accept their VPC peering request. */
  peeringAccepter: 'panops-vpc-peering-accepter',
  /** Shared compute workload roles: each one reaches customer accounts only through `customerDataAccess`. */
  connectorWorker: 'panops-connector-worker',
  webhookHandler: 'panops-webhook-handler',
  transcriptionWorker: 'panops-transcription-worker',
  inferenceService: 'panops-inference-service',
  /** Customer account: the only role PanOps workloads assume to read and write that customer's data. */
  customerDataAccess: 'panops-customer-data-access',
  /**
   * Customer account: the webhook handler's only role there. It may put a raw
   * event under `raw/` and nothing else: no read, no decrypt, no database.
   */
  webhookRawWriter: 'panops-webhook-raw-writer',
  /** Customer account: runs the database migrations at deploy time. */
  migrationRunner: 'panops-migration-runner',
  /** Every account: the emergency role exempt from the KMS-deletion SCP. */
  breakGlass: 'panops-break-glass',
  /** Every account: the role CloudFormation deploys with (the CDK bootstrap's execution role). */
  deploy: 'cdk-hnb659fds-cfn-exec-role-*',
} as const;

/** Where the webhook handler puts raw events, under the customer's prefix (its write-only role reaches nothing else). */
export const RAW_EVENTS_PREFIX = 'raw/';

export const roleArn = (accountId: string, roleName: string): string => `arn:aws:iam::${accountId}:role/${roleName}`;

/** Tag keys applied across the organization (cost allocation, ABAC conditions, the compliance report). */
export const TAG_KEYS = {
  customerId: 'panops:customer-id',
  customerSlug: 'panops:customer',
  environment: 'panops:environment',
  dataClassification: 'panops:data-classification',
  /** What a resource is for: `shared-compute-vpc`, `customer-vpc`, `archive-bucket`, ... */
  role: 'panops:role',
} as const;

/**
 * The dedicated customer database: what the migration hook and the shared
 * compute workloads connect with. The login roles themselves are created by
 * the migrations in `sql/`.
 */
export const CUSTOMER_DATABASE = {
  /** Database created with the cluster. */
  name: 'panops',
  /** PostgreSQL port; security groups admit only the shared compute CIDR on it. */
  port: 5432,
  /** Master user; its password is managed (and rotated) by RDS in Secrets Manager. Used only by the migration hook. */
  adminUser: 'panops_admin',
  /** Login role that shared compute workloads use through IAM database authentication (`rds-db:connect`). */
  iamAppUser: 'panops_app',
} as const;
