import { CloudFormationClient, ListStackInstancesCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import type { Blueprint } from '../../../src/config/index.js';
import { enabledBaselinesApi } from '../../../src/org/control-tower/enabled-baselines-api.js';
import { AccountReadiness } from '../../../src/org/operations/account-readiness.js';

/**
 * What Control Tower and the bootstrap StackSet show of each account, as the
 * release's readiness check reads them: Control Tower's ListEnabledBaselines
 * answered at the HTTP level (a fetch that parses the signed REST-JSON
 * request), CloudFormation's ListStackInstances through aws-sdk-client-mock.
 * `state(accountId)` is asked on every check, so a test can make an account
 * become ready after some checks.
 */
export interface AccountState {
  readonly baseline: 'SUCCEEDED' | 'UNDER_CHANGE' | 'FAILED' | 'none';
  /** Per region: [Status, DetailedStatus]; a region left out has no instance yet. */
  readonly instances: Readonly<Record<string, readonly [string, string]>>;
}

export const readyIn = (regions: readonly string[]): AccountState => ({
  baseline: 'SUCCEEDED',
  instances: Object.fromEntries(regions.map((r) => [r, ['CURRENT', 'SUCCEEDED'] as const])),
});

export class FakeReadiness {
  readonly checks = new Map<string, number>();
  readonly cfnMock = mockClient(CloudFormationClient);
  readonly signed: string[] = [];

  constructor(
    readonly blueprint: Blueprint,
    readonly state: (accountId: string, check: number) => AccountState,
  ) {}

  private accountOf(arn: string): string {
    return arn.split('/').pop() ?? '';
  }

  layer() {
    const fakeFetch = (async (url: URL | string, init?: RequestInit) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      this.signed.push(String(headers.authorization ?? ''));
      if (new URL(String(url)).pathname !== '/list-enabled-baselines')
        return new Response('{"message":"unknown"}', { status: 404 });
      const body = JSON.parse(String(init?.body)) as { filter: { targetIdentifiers: string[] } };
      const arn = body.filter.targetIdentifiers[0] ?? '';
      const account = this.accountOf(arn);
      const check = (this.checks.get(account) ?? 0) + 1;
      this.checks.set(account, check);
      const { baseline } = this.state(account, check);
      const enabledBaselines =
        baseline === 'none'
          ? []
          : [
              {
                arn: `arn:aws:controltower:us-east-1:100000000001:enabledbaseline/${account}`,
                baselineIdentifier: 'arn:aws:controltower:us-east-1::baseline/17BSJV3IGJ2QSGA2',
                targetIdentifier: arn,
                statusSummary: { status: baseline },
              },
            ];
      return new Response(JSON.stringify({ enabledBaselines }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    this.cfnMock.on(ListStackInstancesCommand).callsFake(async (input: { StackInstanceAccount?: string }) => {
      const account = input.StackInstanceAccount ?? '';
      const { instances } = this.state(account, this.checks.get(account) ?? 0);
      return {
        Summaries: Object.entries(instances).map(([Region, [Status, DetailedStatus]]) => ({
          Region,
          Account: account,
          StackSetId: 'panops-cdk-bootstrap:1',
          Status,
          StackInstanceStatus: { DetailedStatus },
        })),
      };
    });
    return AccountReadiness.fromClients(
      this.blueprint,
      enabledBaselinesApi({
        region: 'us-east-1',
        endpoint: 'http://controltower.test',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        fetch: fakeFetch,
      }),
      new CloudFormationClient({ region: 'us-east-1' }),
      (accountId) => `arn:aws:organizations::100000000001:account/o-a1b2c3d4e5/${accountId}`,
      { base: '1 millis', cap: '2 millis', times: 1 },
    );
  }

  restore(): void {
    this.cfnMock.restore();
  }
}
