import { POOLED_RESIDUAL_CHANNELS } from '../../pooled-data/tier-isolation.js';
import type { Guardrail } from './model.js';

const none = { scp: [], controlTower: [], nag: [], guard: [], database: [] } as const;

/**
 * The PanOps guardrails. Data, not code paths: the report, the SARIF rules
 * and the catalog tests read this list. Order is the report's order.
 */
export const GUARDRAILS: readonly Guardrail[] = [
  {
    id: 'no-public-s3',
    title: 'No public S3: every bucket blocks all public access',
    seedWords: [
      'Org-level policies (deny public S3, require CloudTrail, etc.)',
      'Public Access | Blocked (all public access disabled)',
    ],
    severity: 'critical',
    appliesTo: 'every account',
    layers: {
      ...none,
      scp: [
        { file: 'deny-public-s3.json', sid: 'DenyPublicAccessBlockChangesOutsideDeploys' },
        { file: 'deny-public-s3.json', sid: 'DenyPublicCannedAcls' },
        { file: 'deny-public-s3.json', sid: 'DenyPublicReadGrants' },
        { file: 'deny-public-s3.json', sid: 'DenyPublicWriteGrants' },
        { file: 'deny-public-s3.json', sid: 'DenyPublicFullControlGrants' },
      ],
      controlTower: ['CT.S3.PR.1'],
      nag: [
        'AwsSolutions-S2',
        'NIST.800.53.R5-S3BucketLevelPublicAccessProhibited',
        'NIST.800.53.R5-S3BucketPublicReadProhibited',
        'NIST.800.53.R5-S3BucketPublicWriteProhibited',
      ],
    },
  },
  {
    id: 'cloudtrail-tamper-evident',
    title: 'CloudTrail required in every customer account: logging, validated, encrypted, untouchable',
    seedWords: [
      'CloudTrail (tamper-proof, customer-owned)',
      'Org-level policies (deny public S3, require CloudTrail, etc.)',
    ],
    severity: 'critical',
    appliesTo: 'customer accounts (trail present); every trail (validation, encryption)',
    layers: {
      ...none,
      scp: [
        { file: 'protect-cloudtrail.json', sid: 'DenyStoppingTrails' },
        { file: 'protect-cloudtrail.json', sid: 'DenyDeletingTrailsOutsideFailedCreates' },
        { file: 'protect-cloudtrail.json', sid: 'DenyAlteringTrailsOutsideDeploys' },
      ],
      controlTower: ['CT.CLOUDTRAIL.PR.1', 'CT.CLOUDTRAIL.PR.2', 'CT.CLOUDTRAIL.PR.3'],
      nag: [
        'NIST.800.53.R5-CloudTrailEncryptionEnabled',
        'NIST.800.53.R5-CloudTrailLogFileValidationEnabled',
        'NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled',
      ],
      guard: ['panops_customer_account_trail_present', 'panops_customer_trail_tamper_evident'],
    },
  },
  {
    id: 'no-internet-gateway-in-customer-vpc',
    title: 'No internet gateway in a customer account',
    seedWords: [
      'VPC — peered to Shared Compute, no internet gateway',
      "Each customer account's VPC has no internet gateway. The only network path is a VPC peering connection",
    ],
    severity: 'critical',
    appliesTo: 'customer accounts',
    layers: {
      ...none,
      scp: [{ file: 'deny-internet-gateways.json', sid: 'DenyInternetGatewaysAndDefaultVpcs' }],
      nag: ['PanOps-CustomerAccountNoInternetGateway'],
      guard: ['panops_no_internet_gateway_in_customer_account'],
    },
  },
  {
    id: 'customer-data-encrypted-with-customer-key',
    title: "Customer data encrypted with the customer's own KMS key (S3, Aurora, logs, secrets)",
    seedWords: [
      'AWS KMS key (customer-controlled)',
      'Encryption | SSE-KMS with customer-managed key',
      'AES-256 via customer-managed KMS key',
    ],
    severity: 'critical',
    appliesTo: 'customer accounts',
    layers: {
      ...none,
      scp: [{ file: 'protect-customer-kms-keys.json', sid: 'DenyDisablingOrDeletingCustomerKeys' }],
      controlTower: ['CT.S3.PR.10'],
      nag: ['PanOps-CustomerDataUsesCustomerKey', 'NIST.800.53.R5-S3DefaultEncryptionKMS'],
      guard: ['panops_customer_data_uses_customer_key'],
    },
  },
  {
    id: 'kms-key-rotation',
    title: 'KMS keys rotate automatically',
    seedWords: ['AWS KMS key (customer-controlled)'],
    severity: 'medium',
    appliesTo: 'every account',
    layers: {
      ...none,
      controlTower: ['CT.KMS.PR.1'],
      nag: ['AwsSolutions-KMS5', 'NIST.800.53.R5-KMSBackingKeyRotationEnabled'],
    },
  },
  {
    id: 's3-versioning',
    title: 'S3 versioning enabled',
    seedWords: ['Versioning | Enabled'],
    severity: 'high',
    appliesTo: 'every account',
    layers: {
      ...none,
      controlTower: ['CT.S3.PR.11'],
      nag: ['NIST.800.53.R5-S3BucketVersioningEnabled'],
    },
  },
  {
    id: 's3-tls-only',
    title: 'S3 requests must use TLS',
    seedWords: ['S3 (via VPC endpoint)', 'Access | IAM role in customer account'],
    severity: 'high',
    appliesTo: 'every account',
    layers: {
      ...none,
      controlTower: ['CT.S3.PR.8'],
      nag: ['AwsSolutions-S10', 'NIST.800.53.R5-S3BucketSSLRequestsOnly'],
    },
  },
  {
    id: 's3-access-logging',
    title: 'S3 server access logging configured',
    seedWords: ['Org-level policies (deny public S3, require CloudTrail, etc.)'],
    severity: 'low',
    appliesTo: 'every account',
    layers: {
      ...none,
      controlTower: ['CT.S3.PR.2'],
      nag: ['AwsSolutions-S1', 'NIST.800.53.R5-S3BucketLoggingEnabled'],
    },
  },
  {
    id: 'aurora-backups-7-days',
    title: 'Aurora automated backups kept at least 7 days',
    seedWords: ['Backups | Aurora automated backups, 7-day retention | Same, stored in customer account'],
    severity: 'high',
    appliesTo: 'every Aurora cluster',
    layers: {
      ...none,
      // No Control Tower control checks cluster backup retention (CT.RDS.PR.8 covers DB instances of
      // non-Aurora engines only), and no IAM condition key carries the retention period: the SCP keeps
      // the backups and lets only a reviewed deploy (gated by the synth-time rules below) change a cluster.
      scp: [
        { file: 'organization-baseline.json', sid: 'DenyDeletingAuroraBackups' },
        { file: 'organization-baseline.json', sid: 'DenyAuroraClusterChangesOutsideDeploys' },
      ],
      nag: ['PanOps-AuroraBackupRetentionSevenDays'],
      guard: ['panops_aurora_cluster_backup_retention_7_days'],
    },
  },
  {
    id: 'aurora-deletion-protection',
    title: 'Aurora clusters have deletion protection',
    seedWords: ['Aurora Serverless v2 (PostgreSQL + pgvector)'],
    severity: 'high',
    appliesTo: 'every Aurora cluster',
    layers: {
      ...none,
      // Turning deletion protection off is a ModifyDBCluster call: only a reviewed deploy may make it.
      scp: [{ file: 'organization-baseline.json', sid: 'DenyAuroraClusterChangesOutsideDeploys' }],
      controlTower: ['CT.RDS.PR.3'],
      nag: ['AwsSolutions-RDS10', 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled'],
    },
  },
  {
    id: 'aurora-iam-authentication',
    title: 'Aurora clusters use IAM database authentication',
    seedWords: ['Application service roles are granted per-customer'],
    severity: 'medium',
    appliesTo: 'every Aurora cluster',
    layers: { ...none, controlTower: ['CT.RDS.PR.4'], nag: ['AwsSolutions-RDS6'] },
  },
  {
    id: 'aurora-storage-encrypted',
    title: 'Aurora storage encrypted at rest',
    seedWords: ['Encryption | AES-256 (AWS managed key) | AES-256 via customer-managed KMS key'],
    severity: 'high',
    appliesTo: 'every Aurora cluster',
    layers: {
      ...none,
      controlTower: ['CT.RDS.PR.16'],
      nag: ['AwsSolutions-RDS2', 'NIST.800.53.R5-RDSStorageEncrypted'],
    },
  },
  {
    id: 'aurora-not-public',
    title: 'Aurora is never publicly accessible',
    seedWords: ['customer data in Aurora and S3 is never directly reachable from the internet'],
    severity: 'critical',
    appliesTo: 'every Aurora cluster',
    layers: { ...none, controlTower: ['CT.RDS.PR.29'], nag: ['NIST.800.53.R5-RDSInstancePublicAccess'] },
  },
  {
    id: 'sqs-encryption',
    title: 'SQS queues encrypted at rest',
    seedWords: ['SQS | Job queuing, DLQ for failed connector tasks'],
    severity: 'medium',
    appliesTo: 'every queue',
    layers: { ...none, controlTower: ['CT.SQS.PR.2'], nag: ['AwsSolutions-SQS2'] },
  },
  {
    id: 'sqs-tls-only',
    title: 'SQS requests must use TLS',
    seedWords: ['SQS queues (connector jobs, transcription jobs)'],
    severity: 'medium',
    appliesTo: 'every queue',
    // No Control Tower proactive control checks SQS transport; the SCP refuses plain-HTTP SQS calls by any
    // principal of the organization, and the queue policies (AwsSolutions-SQS4) refuse them at the queue.
    layers: {
      ...none,
      scp: [{ file: 'organization-baseline.json', sid: 'DenySqsRequestsWithoutTls' }],
      nag: ['AwsSolutions-SQS4'],
    },
  },
  {
    id: 'sqs-dead-letter-queue',
    title: 'SQS queues have a dead-letter queue',
    seedWords: ['Standard queue, visibility timeout 30 min, DLQ after 3 retries'],
    severity: 'medium',
    appliesTo: 'every queue (a dead-letter queue itself excepted)',
    layers: { ...none, controlTower: ['CT.SQS.PR.1'], nag: ['AwsSolutions-SQS3'] },
  },
  {
    id: 'least-privilege-iam',
    title: 'Least-privilege IAM: no managed admin policies, no unexplained wildcards',
    seedWords: ['Access | IAM role in customer account', 'Application service roles are granted per-customer'],
    severity: 'high',
    appliesTo: 'every account',
    layers: {
      ...none,
      controlTower: ['CT.IAM.PR.1', 'CT.IAM.PR.2', 'CT.IAM.PR.3', 'CT.IAM.PR.4', 'CT.IAM.PR.5'],
      nag: [
        'AwsSolutions-IAM4',
        'AwsSolutions-IAM5',
        'NIST.800.53.R5-IAMNoInlinePolicy',
        'NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess',
        'NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess',
      ],
    },
  },
  {
    id: 'lambda-in-vpc',
    title: 'Lambda functions run inside a VPC',
    seedWords: ['512MB–1GB memory, 15-min timeout, VPC-attached'],
    severity: 'medium',
    appliesTo: 'every function',
    layers: { ...none, controlTower: ['CT.LAMBDA.PR.3'], nag: ['NIST.800.53.R5-LambdaInsideVPC'] },
  },
  {
    id: 'lambda-not-public',
    title: 'Lambda function policies prohibit public access',
    seedWords: ['Webhook handlers (SMS/voice push), short delta polls'],
    severity: 'critical',
    appliesTo: 'every function',
    layers: {
      ...none,
      controlTower: ['CT.LAMBDA.PR.2'],
      nag: ['NIST.800.53.R5-LambdaFunctionPublicAccessProhibited'],
    },
  },
  {
    id: 'ec2-imdsv2',
    title: 'GPU instances require IMDSv2',
    seedWords: ['Instance Type | g4dn.xlarge or g5.xlarge (spot)'],
    severity: 'high',
    appliesTo: 'every launch template',
    layers: { ...none, controlTower: ['CT.EC2.PR.1'], nag: ['NIST.800.53.R5-EC2IMDSv2Enabled'] },
  },
  {
    id: 'ebs-encryption',
    title: 'EBS volumes of launch templates are encrypted',
    seedWords: ['Whisper transcription runs on EC2 spot GPU instances'],
    severity: 'medium',
    appliesTo: 'every launch template',
    layers: { ...none, controlTower: ['CT.EC2.PR.14'], nag: ['AwsSolutions-EC26'] },
  },
  {
    id: 'held-records-never-deleted',
    title:
      'Held records are never deleted: neither the archive lifecycle nor disposition removes a record under legal hold',
    seedWords: ['Lifecycle | Customer-configurable per retention policy', 'Versioning | Enabled'],
    severity: 'critical',
    appliesTo:
      'every archive bucket (dedicated and pooled, with and without Object Lock) and every database holding customer data',
    layers: {
      ...none,
      nag: ['PanOps-ArchiveLifecycleSparesHeldRecords'],
      guard: ['panops_archive_lifecycle_spares_held_records'],
      database: [
        {
          control:
            'A held communication cannot be deleted, whoever asks (trigger panops_refuse_held_delete), nor can any of its parts (participants, attachments, recordings, transcript segments, chunks: trigger panops_refuse_held_part_delete), so disposition skips it: as the application role, a record past its retention and held by a matter (panops_place_hold) cannot be deleted, nor its attachment on its own, and no table with customer_id can be truncated (TRUNCATE fires no row trigger)',
          evidence:
            'every compliance run, as the application role, holds a probe row past retention by a named matter and deletes it the way disposition would (rolled back), and reads the TRUNCATE privilege of every table with customer_id (held-record probe); sql/0002_archive_schema.sql (communications_legal_hold), sql/0014_retention_and_matters.sql, sql/0015_held_parts.sql (test/db/held-parts.test.ts); src/services/retention/disposition.ts selects only rows no matter holds; test/services/retention/disposition.server.test.ts and test/cli/retention.test.ts (a held message survives disposition with its objects)',
          rules: ['held-records-survive-disposition'],
        },
        {
          control:
            'Only the owner lifts a hold, audited (panops_release_hold, panops_release_legal_hold); the application role cannot lift a hold and delete in one transaction, nor write legal_holds',
          evidence:
            'the legal-hold probe of the tenant-isolation guardrail (sql/0009_legal_hold_owner_only.sql, sql/0014)',
          rules: ['legal-hold-owner-only'],
        },
      ],
    },
    preventiveGap:
      'No SCP or Control Tower control constrains an S3 lifecycle configuration’s filter (no IAM condition key carries it): archive bucket lifecycles are changed only by reviewed deploys, which the synth-time rules gate; at the database the trigger is itself preventive. Where a bucket has Object Lock, a legal hold on the object version is enforced by S3 as well.',
    residualRisks: [
      'The lifecycle spares what the disposition job did not tag: an object tagged disposable by hand, outside the job, would expire after a day unless the bucket’s Object Lock retention or legal hold keeps it.',
    ],
  },
  {
    id: 'tenant-row-level-isolation',
    title: "One customer's rows are never visible to another (row-level security on customer_id)",
    seedWords: [
      'Every table that holds customer data includes a customer_id column',
      'PostgreSQL RLS policies enforce that all queries — regardless of the application-layer user — can only read and write rows where customer_id matches the authenticated tenant',
    ],
    severity: 'critical',
    appliesTo: 'every database holding customer data (pooled and dedicated)',
    layers: {
      ...none,
      database: [
        {
          control:
            'RLS enabled and forced on every table with customer_id; reads (USING) and writes (WITH CHECK) bound to panops_current_customer_id() (the tenant the current transaction bound), no permissive policy ignoring it',
          evidence:
            'every compliance run applies sql/ to PGlite and reads pg_class and pg_policy; sql/0002_archive_schema.sql (ENABLE and FORCE ROW LEVEL SECURITY, policy tenant_isolation); database isolation tests under test/db/',
          rules: ['migrations-apply', 'tenant-tables-rls-forced', 'tenant-tables-policies-bound-to-tenant'],
        },
        {
          control: 'The application role cannot get around RLS: not superuser, no BYPASSRLS, owns nothing',
          evidence:
            'every compliance run reads pg_roles and the owners in the catalog; sql/0000_roles.sql refuses such roles',
          rules: ['app-role-not-privileged', 'app-role-owns-nothing'],
        },
        {
          control:
            'Tenant bound to one transaction by panops_set_tenant (a session-level or leftover setting grants nothing); no tenant means no rows read and no row written',
          evidence:
            'every compliance run probes each table as the application role with no tenant set, then with the tenant set for the session and bound by an earlier transaction (session-leak probe); sql/0008_transaction_tenant.sql; pooled concurrency suite on PostgreSQL 15 under test/db/',
          rules: ['no-tenant-reads-nothing', 'no-tenant-insert-refused', 'session-tenant-grants-nothing'],
        },
        {
          control:
            'No object can shadow a customer table: the application role cannot create temporary objects, and every function pins its search_path (pg_temp last)',
          evidence:
            'every compliance run tries CREATE TEMPORARY TABLE as the application role (temporary-object probe) and reads every function’s proconfig; sql/0007_no_temporary_objects.sql, sql/0008_transaction_tenant.sql',
          rules: ['no-temporary-objects', 'functions-pin-search-path'],
        },
        {
          control:
            'Only the owner lifts a legal hold, through the audited procedures panops_release_legal_hold and panops_release_hold (who and why in audit_log); the application role can neither lift a hold nor lift and delete in one transaction, nor write a matter’s hold rows',
          evidence:
            'every compliance run, as the application role, holds a probe row and tries to lift the hold and delete it in one transaction (rolled back), and reads the EXECUTE privilege of both release procedures and its write privileges on legal_holds (legal-hold probe); sql/0009_legal_hold_owner_only.sql, sql/0014_retention_and_matters.sql (named matters); test/services/retention/disposition.server.test.ts (a held record survives disposition)',
          rules: ['legal-hold-owner-only'],
        },
        {
          control:
            'Planner statistics do not tell one tenant how often another’s search terms occur: chunk_terms.term gathers none, so EXPLAIN estimates every term alike',
          evidence:
            'every compliance run reads the statistics target of chunk_terms.term; sql/0012_planner_statistics.sql; test/db/planner-statistics.server.test.ts (EXPLAIN after ANALYZE on PostgreSQL 15)',
          rules: ['term-statistics-withheld'],
        },
      ],
    },
    // The pooled tier's side channels that no control closes, from its isolation statement.
    residualRisks: POOLED_RESIDUAL_CHANNELS.filter((c) => c.status === 'residual').map(
      (c) => `${c.channel}: reveals ${c.reveals[0]?.toLowerCase()}${c.reveals.slice(1)}. ${c.mitigation}`,
    ),
  },
];
