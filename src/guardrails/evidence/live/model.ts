/**
 * Live evidence: what the deployed organization shows, beside what synth
 * promised. One check per resource (or stack, or control) per source; a
 * check whose live state differs from the synth-time promise is a finding.
 */

/** Where a live check's evidence comes from (one module of this folder each). */
export type LiveSource =
  | 'cloudformation-drift'
  | 'control-tower'
  | 'config-detective'
  | 'object-lock'
  | 'cloudtrail'
  | 'kms-rotation';

export const LIVE_SOURCES: Readonly<Record<LiveSource, string>> = {
  'cloudformation-drift': 'CloudFormation drift per stack',
  'control-tower': 'Control Tower enabled controls per OU',
  'config-detective': 'AWS Config compliance of the Control Tower detective controls',
  'object-lock': 'S3 Object Lock of the WORM buckets',
  cloudtrail: 'CloudTrail logging and log file (digest) validation',
  'kms-rotation': 'KMS key rotation',
};

/**
 * `agrees`: live shows what synth promised; `disagrees`: it does not (a
 * finding); `unverified`: the live state could not be read (access denied,
 * throttled past retries, ...), so there is no evidence either way.
 */
export type LiveStatus = 'agrees' | 'disagrees' | 'unverified';

export interface LiveCheck {
  readonly source: LiveSource;
  /** Guardrails this check gives evidence for (ids of the catalog); empty when it serves a framework control only. */
  readonly guardrails: readonly string[];
  /** Framework controls it evidences directly (`17a-4(f)(2)(i)(B)`), beside the guardrails'. */
  readonly frameworkControls?: readonly string[];
  readonly account: string;
  readonly region: string;
  /** The stack the resource belongs to, when it comes from a template. */
  readonly stack?: string;
  readonly logicalId?: string;
  /** What was checked, in words: `bucket panops-acme-archive (ArchiveBucket12AB)`, `CT.S3.PR.1 on OU Customers`. */
  readonly subject: string;
  /** What the synthesized templates (or the catalog) promise. */
  readonly synth: string;
  /** What the live organization shows. */
  readonly live: string;
  readonly status: LiveStatus;
}

export interface LiveEvidence {
  /** ISO time the live state was read, or null when left out (tests, reproducible output). */
  readonly collectedAt: string | null;
  /** How member accounts were read: `role AWSControlTowerExecution, session limited to arn:aws:iam::aws:policy/ReadOnlyAccess`. */
  readonly access: string;
  readonly sources: readonly LiveSource[];
  readonly summary: {
    readonly checks: number;
    readonly agree: number;
    readonly disagree: number;
    readonly unverified: number;
  };
  readonly checks: readonly LiveCheck[];
}

export const summarizeLive = (checks: readonly LiveCheck[]): LiveEvidence['summary'] => ({
  checks: checks.length,
  agree: checks.filter((c) => c.status === 'agrees').length,
  disagree: checks.filter((c) => c.status === 'disagrees').length,
  unverified: checks.filter((c) => c.status === 'unverified').length,
});

/** The error an AWS SDK call rejected with, in a line: `AccessDenied: User ... is not authorized`. */
export const describeError = (error: unknown): string => {
  const name = (error as { name?: string })?.name ?? 'Error';
  const message = (error as { message?: string })?.message ?? String(error);
  return message && message !== name ? `${name}: ${message}` : name;
};

/** A check before its live state is read: what is checked and what synth promised. */
export type PendingCheck = Omit<LiveCheck, 'live' | 'status'>;

/** A check whose live state could not be read (access denied, throttled, ...): no evidence either way, with why. */
export const notRead = (check: PendingCheck, error: unknown): LiveCheck => ({
  ...check,
  live: `not read: ${describeError(error)}`,
  status: 'unverified',
});
