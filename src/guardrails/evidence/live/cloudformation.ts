import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  type CloudFormationClient,
  DescribeStackDriftDetectionStatusCommand,
  DescribeStackResourceDriftsCommand,
  DetectStackDriftCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
  type StackResourceDrift,
} from '@aws-sdk/client-cloudformation';
import { REPO_ROOT } from '../../paths.js';
import { type LiveCheck, notRead } from './model.js';
import type { StackRef } from './promises.js';

/** How drift detection is waited for. */
export interface DriftPolling {
  /** Between two DescribeStackDriftDetectionStatus calls. @default 5000 */
  readonly intervalMs?: number;
  /** Give up (the check is then unverified). @default 300000 */
  readonly timeoutMs?: number;
}

const notDeployed = (error: unknown): boolean =>
  (error as { name?: string })?.name === 'ValidationError' && /does not exist/.test(String((error as Error).message));

/** Logical id → physical id of every resource of a deployed stack (ListStackResources, every page). */
export const physicalIds = async (cfn: CloudFormationClient, stackName: string): Promise<Map<string, string>> => {
  const ids = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(new ListStackResourcesCommand({ StackName: stackName, NextToken }));
    for (const r of page.StackResourceSummaries ?? [])
      if (r.LogicalResourceId && r.PhysicalResourceId) ids.set(r.LogicalResourceId, r.PhysicalResourceId);
    NextToken = page.NextToken;
  } while (NextToken);
  return ids;
};

const driftedResources = async (cfn: CloudFormationClient, stackName: string): Promise<StackResourceDrift[]> => {
  const drifts: StackResourceDrift[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cfn.send(
      new DescribeStackResourceDriftsCommand({
        StackName: stackName,
        StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'],
        NextToken,
      }),
    );
    drifts.push(...(page.StackResourceDrifts ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return drifts;
};

const describeDrift = (d: StackResourceDrift): string => {
  const properties = (d.PropertyDifferences ?? []).map(
    (p) => `${p.PropertyPath} ${p.DifferenceType}: expected ${p.ExpectedValue}, actual ${p.ActualValue}`,
  );
  return `${d.LogicalResourceId} ${d.StackResourceDriftStatus}${properties.length ? ` (${properties.join('; ')})` : ''}`;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Two checks per stack: the deployed template is the synthesized one
 * (GetTemplate, Original stage), and the deployed resources have not drifted
 * from it. Drift detection: DetectStackDrift, then DescribeStackDriftDetectionStatus
 * until it completes, then DescribeStackResourceDrifts for the MODIFIED and
 * DELETED resources
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/detect-drift-stack.html).
 */
export const stackChecks = async (
  cfn: CloudFormationClient,
  stack: StackRef,
  polling: DriftPolling = {},
): Promise<LiveCheck[]> => {
  const base = {
    source: 'cloudformation-drift' as const,
    guardrails: [],
    account: stack.account,
    region: stack.region,
    stack: stack.stack,
  };
  const templateCheck = {
    ...base,
    subject: `stack ${stack.stack}: deployed template`,
    synth: 'the synthesized template',
  };
  const driftCheck = { ...base, subject: `stack ${stack.stack}: resources`, synth: 'IN_SYNC with the template' };
  let deployed: unknown;
  try {
    const got = await cfn.send(new GetTemplateCommand({ StackName: stack.stack, TemplateStage: 'Original' }));
    deployed = JSON.parse(got.TemplateBody ?? 'null');
  } catch (error) {
    if (notDeployed(error))
      return [
        { ...templateCheck, live: 'stack not deployed', status: 'disagrees' },
        { ...driftCheck, live: 'stack not deployed', status: 'disagrees' },
      ];
    return [notRead(templateCheck, error), { ...driftCheck, live: 'not read', status: 'unverified' }];
  }
  const synthesized = JSON.parse(readFileSync(resolve(REPO_ROOT, stack.template), 'utf8')) as unknown;
  const same = isDeepStrictEqual(deployed, synthesized);
  const checks: LiveCheck[] = [
    {
      ...templateCheck,
      live: same ? 'the same template' : 'a different template (deployed from another synth)',
      status: same ? 'agrees' : 'disagrees',
    },
  ];
  try {
    const { StackDriftDetectionId } = await cfn.send(new DetectStackDriftCommand({ StackName: stack.stack }));
    const deadline = Date.now() + (polling.timeoutMs ?? 300_000);
    for (;;) {
      const status = await cfn.send(new DescribeStackDriftDetectionStatusCommand({ StackDriftDetectionId }));
      if (status.DetectionStatus === 'DETECTION_IN_PROGRESS') {
        if (Date.now() > deadline) throw new Error(`drift detection ${StackDriftDetectionId} still in progress`);
        await sleep(polling.intervalMs ?? 5000);
        continue;
      }
      if (status.DetectionStatus === 'DETECTION_FAILED' && status.StackDriftStatus !== 'DRIFTED') {
        checks.push({
          ...driftCheck,
          live: `drift detection failed: ${status.DetectionStatusReason ?? 'no reason given'}`,
          status: 'unverified',
        });
        break;
      }
      if (status.StackDriftStatus === 'IN_SYNC') {
        checks.push({ ...driftCheck, live: 'IN_SYNC', status: 'agrees' });
        break;
      }
      const drifts = await driftedResources(cfn, stack.stack);
      checks.push({
        ...driftCheck,
        live: `${status.StackDriftStatus ?? 'UNKNOWN'}: ${drifts.map(describeDrift).join('; ') || 'no resource listed'}`,
        status: 'disagrees',
      });
      break;
    }
  } catch (error) {
    checks.push(notRead(driftCheck, error));
  }
  return checks;
};
