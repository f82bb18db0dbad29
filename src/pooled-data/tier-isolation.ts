import { POOLED_DATA } from '../contracts/pooled-data.js';

/** One isolation layer a tier relies on, what it enforces, and where that is proven. */
export interface IsolationLayer {
  readonly layer: 'account' | 'network' | 'database' | 'archive' | 'encryption' | 'access';
  readonly control: string;
  /** Repository paths (code or tests) that enforce or prove it. */
  readonly evidence: readonly string[];
}

/** What isolates one customer's data from another's in a database tier. */
export interface TierIsolation {
  readonly tier: 'pooled' | 'dedicated';
  /** One sentence for the compliance report's summary. */
  readonly summary: string;
  /** `physical` where an account boundary separates customers, `logical` where only controls inside one account do. */
  readonly kind: 'physical and logical' | 'logical';
  readonly layers: readonly IsolationLayer[];
}

/**
 * The isolation each database tier gives, stated exactly, for the guardrail
 * catalog and the compliance report (data, not code paths). The seed's
 * current pooled cluster uses an AWS-managed key; the blueprint's pooled tier
 * uses a PanOps-managed customer-managed key instead, which is stronger
 * (key policy, rotation, CloudTrail on every use, per-customer encryption
 * context) — and still not the customer's own key, which only the dedicated
 * tier gives.
 */
export const TIER_ISOLATION: readonly TierIsolation[] = [
  {
    tier: 'dedicated',
    summary:
      'Physical and logical isolation: the customer’s own AWS account (its own VPC, Aurora cluster, bucket, trail) encrypted with the customer’s own KMS key, plus row-level security on customer_id inside its database.',
    kind: 'physical and logical',
    layers: [
      {
        layer: 'account',
        control:
          'One AWS account per customer; PanOps workloads reach it only by assuming panops-customer-data-access there',
        evidence: [
          'src/tenant/customer-stack.ts',
          'src/tenant/cross-account-access.ts',
          'test/tenant/customer-stack.test.ts',
        ],
      },
      {
        layer: 'network',
        control: 'A VPC with no internet gateway, peered to shared compute only',
        evidence: ['src/data-plane/isolated-vpc.ts', 'test/tenant/customer-stack.test.ts'],
      },
      {
        layer: 'database',
        control:
          'A dedicated Aurora cluster; forced row-level security on customer_id in every table, tenant set per transaction',
        evidence: ['sql/0002_archive_schema.sql', 'test/db/isolation-suite.ts'],
      },
      {
        layer: 'archive',
        control: 'A dedicated bucket in the customer’s account (object lock where the customer needs WORM)',
        evidence: ['src/tenant/archive-bucket.ts'],
      },
      {
        layer: 'encryption',
        control: 'The customer’s own customer-managed KMS key for the cluster, bucket, secrets, logs and trail',
        evidence: ['src/data-plane/customer-key.ts', 'src/guardrails/nag/rules/CustomerDataUsesCustomerKey.ts'],
      },
    ],
  },
  {
    tier: 'pooled',
    summary: `Logical isolation only: customers share one Aurora cluster and one archive bucket in the PanOps pooled-data stack; row-level security on customer_id, a per-customer archive prefix, IAM conditions on the ${POOLED_DATA.sessionTag} session tag and a per-object KMS encryption context keep them apart, under a PanOps-managed customer-managed key (stronger than the seed's AWS-managed key, but not the customer's own).`,
    kind: 'logical',
    layers: [
      {
        layer: 'database',
        control:
          'One shared Aurora cluster; forced row-level security on customer_id in every table, tenant set per transaction; the service routes each customer to this cluster only while its route says pooled, and a handle for one customer refuses every other id',
        evidence: [
          'sql/0002_archive_schema.sql',
          'src/services/db/routing.ts',
          'test/pooled-data/isolation.pooled.test.ts',
          'test/services/db/routing.test.ts',
        ],
      },
      {
        layer: 'archive',
        control: `One shared bucket; each customer's objects under ${POOLED_DATA.customersPrefix}<customer id>/ with its own retention rule; no object lock (WORM customers must be dedicated)`,
        evidence: [
          'src/pooled-data/pooled-archive.ts',
          'src/config/validate.ts',
          'test/pooled-data/pooled-data-stack.test.ts',
        ],
      },
      {
        layer: 'access',
        control: `${POOLED_DATA.dataAccessRole} requires the ${POOLED_DATA.sessionTag} session tag; its S3 and KMS permissions name \${aws:PrincipalTag/${POOLED_DATA.sessionTag}} in the object prefix, so one session reaches one customer`,
        evidence: ['src/pooled-data/pooled-data-access.ts', 'test/pooled-data/requirements.ts'],
      },
      {
        layer: 'encryption',
        control:
          'A PanOps-managed customer-managed KMS key (rotated, policy-scoped); S3 Bucket Keys off so each object’s data key is bound to its ARN (per-customer encryption context) and released only to that customer’s session',
        evidence: ['src/pooled-data/pooled-data-stack.ts', 'src/pooled-data/pooled-data-access.ts'],
      },
      {
        layer: 'network',
        control:
          'An isolated VPC (no internet gateway, no NAT) peered to shared compute only; PostgreSQL admitted from shared compute only',
        evidence: ['src/data-plane/same-account-peering.ts', 'test/pooled-data/pooled-data-stack.test.ts'],
      },
    ],
  },
];
