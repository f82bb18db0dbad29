import { createHash } from 'node:crypto';
import {
  getDenialReasons,
  type RequestDenial,
  runSimulation,
  type Simulation,
  type SimulationOrgPolicies,
} from '@cloud-copilot/iam-simulate';

/**
 * One request through @cloud-copilot/iam-simulate (a full IAM policy
 * evaluator: identity, resource, SCP and RCP layers, every condition
 * operator). The rehearsal never matches policies by hand.
 */

/** AWS attaches FullAWSAccess to every root, OU and account unless removed (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html). */
export const FULL_AWS_ACCESS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

export interface SimRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies?: readonly { name: string; policy: unknown }[];
  readonly resourcePolicy?: unknown;
  /** Root first, account last (FullAWSAccess is not added here). */
  readonly scps?: readonly SimulationOrgPolicies[];
}

export interface SimOutcome {
  readonly allowed: boolean;
  /** `Allowed`, `ExplicitlyDenied`, `ImplicitlyDenied`, or `error: ...` when the request could not be evaluated. */
  readonly result: string;
  /** Which policy statements denied it (explicit denies first). */
  readonly denials: readonly RequestDenial[];
}

/**
 * iam-simulate 0.1.173 drops `kms:EncryptionContext:<key>` from a request (its
 * matcher for keys with a variable part only knows `prefix/variable` keys), so
 * a key policy conditioned on the encryption context would never match. The
 * rehearsal renames that key on both sides to the global, single-valued
 * string key `aws:RequestTag/kms-encryption-context:<key>`: the operators
 * compare it exactly as they would the original.
 */
const ENCRYPTION_CONTEXT = /^kms:EncryptionContext:/i;
const renamedKey = (key: string): string =>
  ENCRYPTION_CONTEXT.test(key) ? `aws:RequestTag/kms-encryption-context:${key.replace(ENCRYPTION_CONTEXT, '')}` : key;
const renameInPolicy = (policy: unknown): unknown => {
  if (Array.isArray(policy)) return policy.map(renameInPolicy);
  if (!policy || typeof policy !== 'object') return policy;
  return Object.fromEntries(
    Object.entries(policy).map(([k, v]) => [
      k,
      k === 'Condition' && v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v).map(([op, keys]) => [
              op,
              Object.fromEntries(Object.entries(keys as object).map(([key, value]) => [renamedKey(key), value])),
            ]),
          )
        : renameInPolicy(v),
    ]),
  );
};

/** What the rehearsal's checks call to evaluate a request: `simulate`, or a memo in front of it. */
export type Simulator = (request: SimRequest) => Promise<SimOutcome>;

export const simulate: Simulator = async (request) => {
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: Object.fromEntries(Object.entries(request.context).map(([k, v]) => [renamedKey(k), v])),
    },
    identityPolicies: (request.identityPolicies ?? []).map((p) => ({ name: p.name, policy: renameInPolicy(p.policy) })),
    serviceControlPolicies: [...(request.scps ?? [])],
    resourceControlPolicies: [],
    ...(request.resourcePolicy ? { resourcePolicy: renameInPolicy(request.resourcePolicy) } : {}),
  };
  const run = await runSimulation(simulation, {});
  if (run.resultType === 'error')
    return { allowed: false, result: `error: ${JSON.stringify(run.errors)}`, denials: [] };
  const allowed = run.overallResult === 'Allowed';
  const analysis = run.resultType === 'single' ? run.result.analysis : run.results[0]?.analysis;
  const denials = !allowed && analysis ? getDenialReasons(analysis) : [];
  return { allowed, result: run.overallResult, denials };
};

/** "SCP panops-deny-public-s3 statement DenyPublicAccessBlockChangesOutsideDeploys" and the like. */
export const describeDenials = (
  all: readonly RequestDenial[],
  options: { servicePrincipal?: boolean } = {},
): string => {
  // A service principal has no identity policy: only the resource policy's answer is news.
  const denials = options.servicePrincipal ? all.filter((d) => d.policyType !== 'identity') : all;
  if (denials.length === 0) return 'no policy allows it';
  return denials
    .map((d) =>
      d.denialType === 'Explicit'
        ? `${d.policyType} ${d.policyIdentifier ? `${d.policyIdentifier} ` : ''}statement ${d.statementId ?? `#${d.statementIndex}`} (explicit Deny)`
        : `${d.policyType}${d.identifier ? ` ${d.identifier}` : ''}: no Allow (implicit deny)`,
    )
    .join('; ');
};

/**
 * `simulate` answered from outcomes computed before, by the SHA-256 of the
 * request (JSON): an outcome is a pure function of its request, of
 * iam-simulate and iam-data, and of this file, so whoever keeps `known` must
 * key it by those (the compliance cache keys it by the project's code and
 * lockfile). A request built differently (other key order) is a miss, never a
 * wrong answer. `used` holds every outcome this simulator answered, to store.
 */
export const memoizedSimulator = (
  known: ReadonlyMap<string, SimOutcome>,
): { readonly simulate: Simulator; readonly used: Map<string, SimOutcome> } => {
  const used = new Map<string, SimOutcome>();
  return {
    used,
    simulate: async (request) => {
      const key = createHash('sha256').update(JSON.stringify(request)).digest('hex');
      const outcome = used.get(key) ?? known.get(key) ?? (await simulate(request));
      used.set(key, outcome);
      return outcome;
    },
  };
};
