import {
  type ConfigRule,
  DescribeComplianceByConfigRuleCommand,
  DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRuleCommand,
} from '@aws-sdk/client-config-service';
import type { AccountAccess } from './accounts.js';
import type { OrganizationSource } from './collect.js';
import { type LiveCheck, notRead } from './model.js';

/**
 * Control Tower deploys its detective controls as AWS Config rules in each
 * enrolled account, named `AWSControlTower_` + the control
 * (https://docs.aws.amazon.com/controltower/latest/controlreference/detective-controls.html).
 */
export const CONTROL_TOWER_RULE_PREFIX = 'AWSControlTower_';

/**
 * The AWS Config managed rule (Source.SourceIdentifier,
 * https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html)
 * behind a detective control → the PanOps guardrail it watches at run time.
 * A rule not listed here is still checked, against the organization.
 */
export const DETECTIVE_RULE_GUARDRAILS: Readonly<Record<string, readonly string[]>> = {
  S3_BUCKET_PUBLIC_READ_PROHIBITED: ['no-public-s3'],
  S3_BUCKET_PUBLIC_WRITE_PROHIBITED: ['no-public-s3'],
  S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED: ['no-public-s3'],
  S3_BUCKET_VERSIONING_ENABLED: ['s3-versioning'],
  S3_BUCKET_SSL_REQUESTS_ONLY: ['s3-tls-only'],
  S3_BUCKET_LOGGING_ENABLED: ['s3-access-logging'],
  CLOUD_TRAIL_ENABLED: ['cloudtrail-tamper-evident'],
  MULTI_REGION_CLOUD_TRAIL_ENABLED: ['cloudtrail-tamper-evident'],
  CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED: ['cloudtrail-tamper-evident'],
  CLOUD_TRAIL_ENCRYPTION_ENABLED: ['cloudtrail-tamper-evident'],
  CMK_BACKING_KEY_ROTATION_ENABLED: ['kms-key-rotation'],
  RDS_STORAGE_ENCRYPTED: ['aurora-storage-encrypted'],
  RDS_INSTANCE_PUBLIC_ACCESS_CHECK: ['aurora-not-public'],
  RDS_CLUSTER_DELETION_PROTECTION_ENABLED: ['aurora-deletion-protection'],
  RDS_CLUSTER_IAM_AUTHENTICATION_ENABLED: ['aurora-iam-authentication'],
  ENCRYPTED_VOLUMES: ['ebs-encryption'],
  EC2_EBS_ENCRYPTION_BY_DEFAULT: ['ebs-encryption'],
  EC2_IMDSV2_CHECK: ['ec2-imdsv2'],
  INTERNET_GATEWAY_AUTHORIZED_VPC_ONLY: ['no-internet-gateway-in-customer-vpc'],
  LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED: ['lambda-not-public'],
  LAMBDA_INSIDE_VPC: ['lambda-in-vpc'],
  IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS: ['least-privilege-iam'],
};

/** Resources listed per non-compliant rule, at most. */
const RESOURCES_SHOWN = 5;

const controlTowerRules = async (
  config: Awaited<ReturnType<AccountAccess['clients']>>['config'],
): Promise<ConfigRule[]> => {
  const rules: ConfigRule[] = [];
  let NextToken: string | undefined;
  do {
    const page = await config.send(new DescribeConfigRulesCommand({ NextToken }));
    rules.push(...(page.ConfigRules ?? []).filter((r) => r.ConfigRuleName?.startsWith(CONTROL_TOWER_RULE_PREFIX)));
    NextToken = page.NextToken;
  } while (NextToken);
  return rules;
};

/**
 * The detective controls of every account and region the organization deploys
 * to (not the management account, which Control Tower leaves ungoverned,
 * https://docs.aws.amazon.com/controltower/latest/controlreference/exception-to-controls-for-the-management-account.html): each Control Tower Config rule's compliance
 * (DescribeComplianceByConfigRule) and, when NON_COMPLIANT, which resources
 * (GetComplianceDetailsByConfigRule). Synth promises COMPLIANT: what it
 * verified before deploy should hold after it. NOT_APPLICABLE agrees (nothing
 * to check); INSUFFICIENT_DATA is unverified.
 */
export const configDetectiveSource = (targets: readonly { account: string; region: string }[]): OrganizationSource => ({
  source: 'config-detective',
  checks: async (access) => {
    // Control Tower does not deploy its controls into the management account, so it is not asked.
    const management = await access.callerAccount().catch(() => '');
    const unique = [
      ...new Map(targets.filter((t) => t.account !== management).map((t) => [`${t.account}/${t.region}`, t])).values(),
    ];
    const perTarget = await Promise.all(
      unique.map(async ({ account, region }): Promise<LiveCheck[]> => {
        const base = { source: 'config-detective' as const, account, region };
        try {
          const { config } = await access.clients(account, region);
          const rules = await controlTowerRules(config);
          if (rules.length === 0)
            return [
              {
                ...base,
                guardrails: [],
                subject: 'Control Tower detective controls',
                synth: 'the account is enrolled and governed by Control Tower',
                live: `no ${CONTROL_TOWER_RULE_PREFIX}* Config rule in the account`,
                status: 'disagrees',
              },
            ];
          const compliance = new Map<string, string>();
          // DescribeComplianceByConfigRule takes at most 25 rule names a call.
          for (let i = 0; i < rules.length; i += 25) {
            const names = rules.slice(i, i + 25).map((r) => r.ConfigRuleName ?? '');
            let NextToken: string | undefined;
            do {
              const page = await config.send(
                new DescribeComplianceByConfigRuleCommand({ ConfigRuleNames: names, NextToken }),
              );
              for (const c of page.ComplianceByConfigRules ?? [])
                if (c.ConfigRuleName)
                  compliance.set(c.ConfigRuleName, c.Compliance?.ComplianceType ?? 'INSUFFICIENT_DATA');
              NextToken = page.NextToken;
            } while (NextToken);
          }
          return Promise.all(
            rules.map(async (rule): Promise<LiveCheck> => {
              const name = rule.ConfigRuleName ?? '';
              const type = compliance.get(name) ?? 'INSUFFICIENT_DATA';
              const check = {
                ...base,
                guardrails: DETECTIVE_RULE_GUARDRAILS[rule.Source?.SourceIdentifier ?? ''] ?? [],
                subject: `Config rule ${name} (${rule.Source?.SourceIdentifier ?? 'custom'})`,
                synth: 'COMPLIANT (the guardrail held at synth)',
              };
              if (type !== 'NON_COMPLIANT')
                return {
                  ...check,
                  live: type,
                  status: type === 'COMPLIANT' || type === 'NOT_APPLICABLE' ? 'agrees' : 'unverified',
                };
              const details = await config.send(
                new GetComplianceDetailsByConfigRuleCommand({
                  ConfigRuleName: name,
                  ComplianceTypes: ['NON_COMPLIANT'],
                  Limit: RESOURCES_SHOWN,
                }),
              );
              const resources = (details.EvaluationResults ?? []).map((r) => {
                const q = r.EvaluationResultIdentifier?.EvaluationResultQualifier;
                return `${q?.ResourceType ?? 'resource'} ${q?.ResourceId ?? '?'}`;
              });
              return {
                ...check,
                live: `NON_COMPLIANT${resources.length ? `: ${resources.join(', ')}${details.NextToken ? ', ...' : ''}` : ''}`,
                status: 'disagrees',
              };
            }),
          );
        } catch (error) {
          return [
            notRead(
              { ...base, guardrails: [], subject: 'Control Tower detective controls', synth: 'COMPLIANT' },
              error,
            ),
          ];
        }
      }),
    );
    return perTarget.flat();
  },
});
