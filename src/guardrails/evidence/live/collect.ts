import type { AccountAccess } from './accounts.js';
import { type DriftPolling, physicalIds, stackChecks } from './cloudformation.js';
import { cloudTrails } from './cloudtrail.js';
import { kmsKeyRotation } from './kms-rotation.js';
import { type LiveCheck, type LiveEvidence, type LiveSource, notRead, summarizeLive } from './model.js';
import { wormBucketObjectLock } from './object-lock.js';
import { type StackRef, templatePromises } from './promises.js';
import { templateResourceChecks } from './template-resources.js';

/** A source that reads the organization as a whole (Control Tower per OU, AWS Config per account). */
export interface OrganizationSource {
  readonly source: LiveSource;
  readonly checks: (access: AccountAccess) => Promise<LiveCheck[]>;
}

export interface CollectOptions {
  readonly access: AccountAccess;
  /** The report's stacks (account, region, template). Account-agnostic stacks are skipped. */
  readonly stacks: readonly StackRef[];
  /** Organization-wide sources, beside the per-stack ones. */
  readonly organization?: readonly OrganizationSource[];
  readonly polling?: DriftPolling;
  /** Stacks read at once. @default 4 */
  readonly concurrency?: number;
  /** @default null (left out) */
  readonly collectedAt?: string | null;
}

const ACCOUNT = /^\d{12}$/;

/** The per-stack sources: drift and template, then the WORM buckets, trails and keys it deployed. */
const checksOfStack = async (access: AccountAccess, stack: StackRef, polling?: DriftPolling): Promise<LiveCheck[]> => {
  const promises = templatePromises(stack);
  let clients: Awaited<ReturnType<AccountAccess['clients']>>;
  try {
    clients = await access.clients(stack.account, stack.region);
  } catch (error) {
    return [
      notRead(
        {
          source: 'cloudformation-drift',
          guardrails: [],
          account: stack.account,
          region: stack.region,
          stack: stack.stack,
          subject: `account ${stack.account}`,
          synth: 'readable with the read-only session',
        },
        error,
      ),
    ];
  }
  const stackLevel = await stackChecks(clients.cloudformation, stack, polling);
  const deployed = stackLevel.some((c) => c.live !== 'stack not deployed' && c.status !== 'unverified');
  // Resources of a stack that is not there (or not readable) are not read one by one: the stack check says why.
  if (!deployed) return stackLevel;
  let physical: Map<string, string>;
  try {
    physical = await physicalIds(clients.cloudformation, stack.stack);
  } catch (error) {
    const base = { account: stack.account, region: stack.region, stack: stack.stack, guardrails: [] };
    return [
      ...stackLevel,
      notRead(
        {
          ...base,
          source: 'cloudformation-drift',
          subject: `stack ${stack.stack}: resource ids`,
          synth: 'listed by ListStackResources',
        },
        error,
      ),
    ];
  }
  const [locks, trails, keys] = await Promise.all([
    templateResourceChecks(promises, physical, wormBucketObjectLock(clients.s3)),
    templateResourceChecks(promises, physical, cloudTrails(clients.cloudtrail)),
    templateResourceChecks(promises, physical, kmsKeyRotation(clients.kms)),
  ]);
  return [...stackLevel, ...locks, ...trails, ...keys];
};

/** Reads the live organization and compares it with what synth promised. */
export const collectLiveEvidence = async (options: CollectOptions): Promise<LiveEvidence> => {
  const stacks = options.stacks.filter((s) => ACCOUNT.test(s.account));
  const perStack: LiveCheck[][] = new Array(stacks.length);
  let next = 0;
  const worker = async () => {
    while (next < stacks.length) {
      const index = next++;
      perStack[index] = await checksOfStack(options.access, stacks[index] as StackRef, options.polling);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, stacks.length) }, worker));
  const organization = await Promise.all((options.organization ?? []).map((s) => s.checks(options.access)));
  const checks = [...perStack.flat(), ...organization.flat()];
  const sources: LiveSource[] = ['cloudformation-drift', 'object-lock', 'cloudtrail', 'kms-rotation'];
  for (const s of options.organization ?? []) if (!sources.includes(s.source)) sources.push(s.source);
  return {
    collectedAt: options.collectedAt ?? null,
    access: options.access.description,
    sources,
    summary: summarizeLive(checks),
    checks,
  };
};
