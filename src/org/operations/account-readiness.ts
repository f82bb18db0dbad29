import {
  CloudFormationClient,
  ListStackInstancesCommand,
  type StackInstanceSummary,
} from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Context, Effect, Layer } from 'effect';
import type { Blueprint } from '../../config/index.js';
import { BOOTSTRAP_STACK_SET_NAME } from '../accounts/cdk-bootstrap-stack-set.js';
import { type EnabledBaselinesApi, enabledBaselinesApi } from '../control-tower/enabled-baselines-api.js';
import { type AwsError, awsCall, DEFAULT_RETRY, type RetryPolicy } from './aws-errors.js';
import { allPages } from './organizations.js';

/**
 * What an account must show before `vend --release` moves it to its
 * Customers OU and records its id (after which its stacks deploy):
 * - enrolled in Control Tower: the AWSControlTowerBaseline its Quarantine OU
 *   applies has SUCCEEDED on it (ListEnabledBaselines, see enabled-baselines-api.ts);
 * - CDK-bootstrapped: the `panops-cdk-bootstrap` StackSet has an instance in
 *   every governed region, CURRENT with detailed status SUCCEEDED
 *   (ListStackInstances; Status CURRENT|OUTDATED|INOPERABLE, DetailedStatus
 *   PENDING|RUNNING|SUCCEEDED|FAILED|CANCELLED|INOPERABLE|SKIPPED_SUSPENDED_ACCOUNT,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackInstanceSummary.html,
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_StackInstanceComprehensiveStatus.html).
 */
export interface AccountReadinessReport {
  readonly accountId: string;
  /** What is still missing, in words (empty when ready). */
  readonly waitingFor: readonly string[];
}

export const isReady = (report: AccountReadinessReport): boolean => report.waitingFor.length === 0;

export class AccountReadiness extends Context.Service<
  AccountReadiness,
  {
    /** `arn`: the account's ARN as ListAccounts gives it; built from the blueprint when absent. */
    readonly check: (accountId: string, arn?: string) => Effect.Effect<AccountReadinessReport, AwsError>;
  }
>()('panops/org/operations/AccountReadiness') {
  /** Over a Control Tower baselines API and a CloudFormation client of the management account. */
  static fromClients(
    blueprint: Blueprint,
    baselines: EnabledBaselinesApi,
    cloudFormation: CloudFormationClient,
    accountArn: (accountId: string) => string,
    retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    const regions = blueprint.organization.governedRegions;
    return Layer.succeed(
      AccountReadiness,
      AccountReadiness.of({
        check: (accountId, knownArn) =>
          Effect.gen(function* () {
            const arn = knownArn ?? accountArn(accountId);
            const enabled = yield* allPages(
              (token) =>
                awsCall('controltower', 'ListEnabledBaselines', () => baselines.listForTarget(arn, token), retry),
              (page) => page.enabledBaselines,
              (page) => page.nextToken,
            );
            const statuses = enabled.filter((b) => b.targetIdentifier === undefined || b.targetIdentifier === arn);
            const waitingFor: string[] = [];
            if (!statuses.some((b) => b.statusSummary?.status === 'SUCCEEDED'))
              waitingFor.push(
                `Control Tower enrollment (baseline ${statuses.map((b) => b.statusSummary?.status ?? 'UNKNOWN').join(', ') || 'not applied yet'})`,
              );
            const instances: StackInstanceSummary[] = yield* allPages(
              (NextToken) =>
                awsCall(
                  'cloudformation',
                  'ListStackInstances',
                  () =>
                    cloudFormation.send(
                      new ListStackInstancesCommand({
                        StackSetName: BOOTSTRAP_STACK_SET_NAME,
                        StackInstanceAccount: accountId,
                        NextToken,
                      }),
                    ),
                  retry,
                ),
              (page) => page.Summaries,
              (page) => page.NextToken,
            );
            for (const region of regions) {
              const instance = instances.find((i) => i.Region === region);
              const detailed = instance?.StackInstanceStatus?.DetailedStatus;
              if (instance?.Status !== 'CURRENT' || (detailed && detailed !== 'SUCCEEDED'))
                waitingFor.push(
                  `CDK bootstrap StackSet instance in ${region} (${instance ? `${instance.Status}${detailed ? `/${detailed}` : ''}` : 'none yet'})`,
                );
            }
            return { accountId, waitingFor };
          }),
      }),
    );
  }

  /** With the management account's credentials, in the home region (Control Tower's and the StackSet's). */
  static live(blueprint: Blueprint) {
    const region = blueprint.organization.homeRegion;
    const { managementAccountId, organizationId } = blueprint.organization;
    return AccountReadiness.fromClients(
      blueprint,
      enabledBaselinesApi({ region, credentials: fromNodeProviderChain() }),
      new CloudFormationClient({ region }),
      // Organizations account ARN (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html).
      (accountId) =>
        `arn:aws:organizations::${managementAccountId}:account/${organizationId ?? 'o-unknown'}/${accountId}`,
    );
  }
}
