import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Duration, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { TAG_KEYS } from '../../src/contracts/names.js';
import type { ComplianceReport } from '../../src/guardrails/compliance/model.js';
import { checkApp, newComplianceApp } from '../../src/guardrails/compliance/run.js';
import { writeReport } from '../../src/guardrails/report/write.js';

/** One deliberate defect on top of the reference customer account, and the guardrail it must break. */
const DEFECTS = {
  'public-bucket': 'no-public-s3',
  'internet-gateway': 'no-internet-gateway-in-customer-vpc',
  'trail-without-validation': 'cloudtrail-tamper-evident',
  'no-trail': 'cloudtrail-tamper-evident',
  'aws-managed-key': 'customer-data-encrypted-with-customer-key',
  'aurora-1-day-backups': 'aurora-backups-7-days',
  'aurora-without-deletion-protection': 'aurora-deletion-protection',
  'unversioned-bucket': 's3-versioning',
  'admin-wildcard-policy': 'least-privilege-iam',
  'archive-expires-by-age': 'held-records-never-deleted',
} as const;
type Defect = keyof typeof DEFECTS;

/**
 * A customer account built like the real one (isolated VPC, customer key,
 * archive bucket, Aurora, trail), with at most one defect. The reference
 * (no defect) still has baseline findings of its own; each variant must add
 * failures on exactly its guardrail.
 */
const customerAccount = (app: App, name: string, defect?: Defect): Stack => {
  const stack = new Stack(app, name, { env: { account: '200000000001', region: 'us-east-1' } });
  Tags.of(stack).add(TAG_KEYS.customerId, '00000000-0000-4000-8000-000000000001');
  const key = new kms.Key(stack, 'CustomerKey', { enableKeyRotation: true, removalPolicy: RemovalPolicy.RETAIN });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  if (defect === 'internet-gateway') {
    const igw = new ec2.CfnInternetGateway(stack, 'Igw');
    new ec2.CfnVPCGatewayAttachment(stack, 'IgwAttachment', { vpcId: vpc.vpcId, internetGatewayId: igw.ref });
  }
  const archive = new s3.Bucket(stack, 'Archive', {
    // The archive's lifecycle expires only what disposition tagged disposable; the defect expires by age.
    lifecycleRules: [
      defect === 'archive-expires-by-age'
        ? { id: 'retention', expiration: Duration.days(2557) }
        : { id: 'disposition', expiration: Duration.days(1), tagFilters: { 'panops:disposition': 'disposable' } },
    ],
    ...(defect === 'aws-managed-key'
      ? { encryption: s3.BucketEncryption.KMS_MANAGED }
      : { encryption: s3.BucketEncryption.KMS, encryptionKey: key }),
    versioned: defect !== 'unversioned-bucket',
    blockPublicAccess:
      defect === 'public-bucket'
        ? new s3.BlockPublicAccess({
            blockPublicAcls: false,
            blockPublicPolicy: false,
            ignorePublicAcls: false,
            restrictPublicBuckets: false,
          })
        : s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
  });
  Tags.of(archive).add(TAG_KEYS.role, 'archive-bucket');
  new rds.DatabaseCluster(stack, 'Database', {
    engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_15_8 }),
    writer: rds.ClusterInstance.serverlessV2('writer'),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    storageEncryptionKey: key,
    credentials: rds.Credentials.fromGeneratedSecret('postgres', { encryptionKey: key }),
    backup: { retention: Duration.days(defect === 'aurora-1-day-backups' ? 1 : 7) },
    deletionProtection: defect !== 'aurora-without-deletion-protection',
    iamAuthentication: true,
  });
  if (defect === 'admin-wildcard-policy') {
    const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });
    new iam.ManagedPolicy(stack, 'OperatorAdmin', {
      roles: [operator],
      statements: [new iam.PolicyStatement({ actions: ['*'], resources: ['*'] })],
    });
  }
  if (defect !== 'no-trail') {
    const trail = new cloudtrail.Trail(stack, 'Trail', {
      bucket: new s3.Bucket(stack, 'TrailBucket', {
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: key,
        versioned: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        enforceSSL: true,
      }),
      encryptionKey: key,
      enableFileValidation: defect !== 'trail-without-validation',
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: new logs.LogGroup(stack, 'TrailLogs', {
        encryptionKey: key,
        retention: logs.RetentionDays.ONE_YEAR,
      }),
    });
    // The reference must pass least-privilege-iam too, so that the admin-policy defect alone fails it.
    Validations.of(trail.node.findChild('LogsRole')).acknowledge({
      id: 'NIST.800.53.R5::NIST.800.53.R5-IAMNoInlinePolicy',
      reason: "test fixture: CDK's trail construct writes its log-delivery role policy inline",
    });
  }
  return stack;
};

/** Guardrails with an unacknowledged finding in one stack. */
const failingGuardrails = (report: ComplianceReport, stack: string): Set<string> =>
  new Set(report.findings.filter((f) => f.status === 'failed' && f.stack === stack).flatMap((f) => f.guardrails));

let report: ComplianceReport;
let reportDir: string;

beforeAll(async () => {
  const app = newComplianceApp({ outdir: mkdtempSync(join(tmpdir(), 'negative-proof-')) });
  customerAccount(app, 'Reference');
  for (const defect of Object.keys(DEFECTS) as Defect[]) customerAccount(app, `Defect-${defect}`, defect);

  // Two buckets failing the same rules; only one acknowledged (prefixed ids), the other never.
  const exceptions = new Stack(app, 'Exceptions', { env: { account: '100000000010', region: 'us-east-1' } });
  const accepted = new s3.Bucket(exceptions, 'Accepted');
  new s3.Bucket(exceptions, 'NotAccepted');
  Validations.of(accepted).acknowledge(
    { id: 'cdk-validator-cfnguard::s3_bucket_versioning_enabled_check', reason: 'test: accepted on purpose' },
    { id: 'NIST.800.53.R5::NIST.800.53.R5-S3BucketVersioningEnabled', reason: 'test: accepted on purpose' },
  );
  // A bare id: cdk-nag drops the finding from CDK's report, so it must not count as accepted.
  Validations.of(accepted).acknowledge({ id: 'AwsSolutions-S1', reason: 'test: bare id' });

  report = await checkApp(app);
  reportDir = mkdtempSync(join(tmpdir(), 'compliance-report-'));
  writeReport(report, reportDir);
});

describe('negative proof: each deliberate defect fails the compliance run on exactly its guardrail', () => {
  for (const [defect, guardrail] of Object.entries(DEFECTS)) {
    it(`${defect} fails ${guardrail}, and nothing the reference account passes`, () => {
      const reference = failingGuardrails(report, 'Reference');
      expect(
        report.findings.filter(
          (f) => f.stack === 'Reference' && f.status === 'failed' && f.guardrails.includes(guardrail),
        ),
      ).toEqual([]);
      const added = [...failingGuardrails(report, `Defect-${defect}`)].filter((g) => !reference.has(g));
      expect(added).toEqual([guardrail]);
      expect(report.summary.outcome).toBe('fail');
    });
  }

  it('the project rule and the Control Tower / pack rules of a guardrail all see the defect', () => {
    const rulesFailing = (stack: string) =>
      new Set(report.findings.filter((f) => f.status === 'failed' && f.stack === stack).map((f) => f.ruleId));
    const added = (stack: string) => [...rulesFailing(stack)].filter((r) => !rulesFailing('Reference').has(r)).sort();
    expect(added('Defect-internet-gateway')).toEqual([
      'PanOps-CustomerAccountNoInternetGateway',
      'panops_no_internet_gateway_in_customer_account',
    ]);
    expect(rulesFailing('Defect-aurora-1-day-backups')).toContain('panops_aurora_cluster_backup_retention_7_days');
    expect(rulesFailing('Defect-aurora-1-day-backups')).toContain('PanOps-AuroraBackupRetentionSevenDays');
    expect(rulesFailing('Defect-no-trail')).toContain('panops_customer_account_trail_present');
    expect(rulesFailing('Defect-trail-without-validation')).toContain('cloud_trail_log_file_validation_enabled_check');
    expect(rulesFailing('Defect-aws-managed-key')).toContain('panops_customer_data_uses_customer_key');
    expect(added('Defect-archive-expires-by-age')).toEqual([
      'PanOps-ArchiveLifecycleSparesHeldRecords',
      'panops_archive_lifecycle_spares_held_records',
    ]);
    // Least privilege: the Control Tower control (CT.IAM.PR.2) and the packs.
    expect(added('Defect-admin-wildcard-policy')).toEqual(
      expect.arrayContaining([
        'iam_managed_policy_no_statements_with_admin_access_check',
        'NIST.800.53.R5-IAMPolicyNoStatementsWithAdminAccess',
      ]),
    );
  });
});

describe('acknowledgements in the compliance run', () => {
  const versioning = (constructPath: string) =>
    report.findings.filter(
      (f) =>
        f.constructPath === constructPath &&
        ['s3_bucket_versioning_enabled_check', 'NIST.800.53.R5-S3BucketVersioningEnabled'].includes(f.ruleId),
    );

  it('an acknowledged finding is listed with its reason and where it was acknowledged', () => {
    const findings = versioning('Exceptions/Accepted/Resource');
    expect(findings.map((f) => f.status)).toEqual(['acknowledged', 'acknowledged']);
    for (const f of findings) {
      expect(f.acknowledgement?.reason).toBe('test: accepted on purpose');
      expect(f.acknowledgement?.at).toBe('Exceptions/Accepted');
      expect(f.acknowledgement?.source?.file).toBe('test/guardrails/negative-proof.test.ts');
    }
  });

  it('an unacknowledged finding of the same rule still fails the run (the validator severity bug cannot hide it)', () => {
    const findings = versioning('Exceptions/NotAccepted/Resource');
    expect(findings.map((f) => [f.layer, f.status]).sort()).toEqual([
      ['guard', 'failed'],
      ['nag', 'failed'],
    ]);
    expect(report.summary.outcome).toBe('fail');
  });

  it('a bare-id acknowledgement does not accept the finding and says why', () => {
    const s1 = report.findings.find(
      (f) => f.constructPath === 'Exceptions/Accepted/Resource' && f.ruleId === 'AwsSolutions-S1',
    );
    expect(s1?.status).toBe('failed');
    expect(s1?.acknowledgementProblem).toMatch(/bare id 'AwsSolutions-S1'.*AwsSolutions::AwsSolutions-S1/);
    const entry = report.acknowledgements.find(
      (a) => a.at === 'Exceptions/Accepted' && a.id.endsWith('AwsSolutions-S1'),
    );
    expect(entry?.problem).toMatch(/bare id/);
  });
});

describe('the report files', () => {
  it('writing the same report twice gives byte-identical files, with no generation time when it is off', () => {
    const again = mkdtempSync(join(tmpdir(), 'compliance-report-'));
    const files = writeReport(report, again);
    for (const file of files) {
      const name = file.slice(again.length + 1);
      expect(readFileSync(file, 'utf8'), name).toBe(readFileSync(join(reportDir, name), 'utf8'));
    }
    expect(JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')).generatedAt).toBeNull();
  });

  it('report.json carries its schema version and passing rules as well as failing ones', () => {
    const json = JSON.parse(readFileSync(join(reportDir, 'report.json'), 'utf8')) as ComplianceReport;
    expect(json.schemaVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const trailPresent = json.rules.find((r) => r.ruleId === 'panops_customer_account_trail_present');
    expect(trailPresent?.stacks.find((s) => s.stack === 'Reference')?.status).toBe('passed');
    expect(trailPresent?.stacks.find((s) => s.stack === 'Defect-no-trail')?.status).toBe('failed');
  });

  it('report.sarif is SARIF 2.1.0 with a rules list and repository-relative locations', () => {
    const sarif = JSON.parse(readFileSync(join(reportDir, 'report.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.length).toBe(report.rules.length);
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      const uri: string = result.locations[0].physicalLocation.artifactLocation.uri;
      expect(uri.startsWith('/') || uri.includes('..')).toBe(false);
    }
    const suppressed = run.results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    expect(suppressed.length).toBe(report.summary.acknowledgedFindings);
  });

  it('junit.xml has a suite per stack and a failure for each failing rule', () => {
    const junit = readFileSync(join(reportDir, 'junit.xml'), 'utf8');
    expect(junit).toContain('<testsuite name="Defect-internet-gateway"');
    expect(junit).toMatch(
      /name="guard panops_no_internet_gateway_in_customer_account \[no-internet-gateway-in-customer-vpc\]" time="0"><failure/,
    );
  });

  it('report.md and report.html name each exception with its reason', () => {
    for (const name of ['report.md', 'report.html']) {
      const text = readFileSync(join(reportDir, name), 'utf8');
      expect(text, name).toContain('test: accepted on purpose');
      expect(text, name).toContain('no-internet-gateway-in-customer-vpc');
    }
    expect(readFileSync(join(reportDir, 'report.html'), 'utf8')).not.toMatch(/<script|<link /);
  });
});
